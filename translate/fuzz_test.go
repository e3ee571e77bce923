package translate

import (
	"errors"
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

var errorClasses = []error{
	errdefs.ErrInvalidArgument, errdefs.ErrNotFound, errdefs.ErrAlreadyExists, errdefs.ErrFailedPrecondition,
	errdefs.ErrUnavailable, errdefs.ErrUnimplemented, errdefs.ErrDeadlineExceeded, errdefs.ErrPermissionDenied,
}

func requireClassified(t *testing.T, err error) {
	t.Helper()
	for _, c := range errorClasses {
		if errors.Is(err, c) {
			return
		}
	}
	t.Fatalf("error without an errdefs class: %v", err)
}

func FuzzParseSandboxName(f *testing.F) {
	for _, s := range []string{"k8s_POD_web_default_u1_0", "/k8s_POD_a_b_c_4294967295_deadbeef", "k8s_app_web_default_u1_1", "k8s_POD_____", "k8s_POD_a_b_c_01", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		meta, err := ParseSandboxName(name)
		if err != nil {
			if !errors.Is(err, errdefs.ErrInvalidArgument) {
				t.Fatalf("ParseSandboxName(%q): error not InvalidArgument: %v", name, err)
			}
			return
		}
		again, err := ParseSandboxName(SandboxName(meta))
		if err != nil {
			t.Fatalf("SandboxName(%v) = %q does not parse: %v", meta, SandboxName(meta), err)
		}
		if again.Name != meta.Name || again.Namespace != meta.Namespace || again.Uid != meta.Uid || again.Attempt != meta.Attempt {
			t.Fatalf("round trip of %q: %v != %v", name, again, meta)
		}
		if !strings.HasPrefix(strings.TrimPrefix(name, "/"), "k8s_POD_"+meta.Name+"_"+meta.Namespace+"_"+meta.Uid+"_") {
			t.Fatalf("parsed %v does not come from %q", meta, name)
		}
	})
}

func FuzzParseContainerName(f *testing.F) {
	for _, s := range []string{"k8s_app_web_default_u1_0", "/k8s_app_web_default_u1_7_0a1b2c3d", "k8s_POD_web_default_u1_1", "k8s______", ""} {
		f.Add(s)
	}
	sb := &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "u1"}
	f.Fuzz(func(t *testing.T, name string) {
		meta, err := ParseContainerName(name)
		if err != nil {
			if !errors.Is(err, errdefs.ErrInvalidArgument) {
				t.Fatalf("ParseContainerName(%q): error not InvalidArgument: %v", name, err)
			}
			return
		}
		if meta.Name == sandboxToken {
			t.Fatalf("ParseContainerName(%q) accepted a sandbox name", name)
		}
		again, err := ParseContainerName(ContainerName(sb, meta))
		if err != nil {
			t.Fatalf("ContainerName(%v) = %q does not parse: %v", meta, ContainerName(sb, meta), err)
		}
		if again.Name != meta.Name || again.Attempt != meta.Attempt {
			t.Fatalf("round trip of %q: %v != %v", name, again, meta)
		}
	})
}

func FuzzCgroupParent(f *testing.F) {
	for _, s := range []string{"", "/", "/kubepods/burstable/pod1", "kubepods-burstable-pod1.slice", "-.slice", ".slice", "a/b.slice", "//x//"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, parent string, systemd bool) {
		driver := "cgroupfs"
		if systemd {
			driver = "systemd"
		}
		once := CgroupParent(parent, driver)
		if twice := CgroupParent(once, driver); twice != once {
			t.Fatalf("CgroupParent(%q, %s) = %q, then %q: not idempotent", parent, driver, once, twice)
		}
		if parent == "" && once != "" {
			t.Fatalf("empty parent became %q", once)
		}
		if systemd && parent != "" && (!strings.HasSuffix(once, ".slice") || strings.Contains(once, "/")) {
			t.Fatalf("CgroupParent(%q, systemd) = %q is not a slice name", parent, once)
		}
	})
}

func FuzzImageUser(f *testing.F) {
	for _, s := range []string{"", "0", "1000", "1000:1000", "nobody", "nobody:nogroup", ":", "-1", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, user string) {
		uid, name := ImageUser(user)
		if uid != nil && name != "" {
			t.Fatalf("ImageUser(%q) gave both uid %d and name %q", user, uid.Value, name)
		}
		if strings.Contains(name, ":") {
			t.Fatalf("ImageUser(%q) name %q keeps the group", user, name)
		}
		u, _, _ := strings.Cut(user, ":")
		if uid == nil && name != u {
			t.Fatalf("ImageUser(%q) name %q, want %q", user, name, u)
		}
	})
}
