package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// dockerNamesWith lists docker containers whose name contains part.
func dockerNamesWith(t *testing.T, part string) []string {
	t.Helper()
	list, err := dockerCli.ContainerList(testCtx(t), container.ListOptions{
		All: true, Filters: filters.NewArgs(filters.Arg("name", part)),
	})
	if err != nil {
		t.Fatalf("docker list: %v", err)
	}
	var names []string
	for _, c := range list {
		names = append(names, c.Names...)
	}
	return names
}

// TestRunPodSandboxFailureLeavesNothing forces RunPodSandbox to fail after
// the container and its checkpoint exist (runc refuses a sysctl the kernel
// does not have when the sandbox starts) and checks both are rolled back.
func TestRunPodSandboxFailureLeavesNothing(t *testing.T) {
	d := startDaemon(t)
	cfg := newSandboxConfig(t)
	withSysctls(map[string]string{"net.ipv4.dockercri_no_such_sysctl": "1"})(cfg)
	_, err := tryRunSandbox(t, d, cfg)
	if err == nil {
		t.Fatal("RunPodSandbox with an unknown sysctl succeeded")
	}
	if c := status.Code(err); c == codes.OK || c == codes.Internal {
		t.Fatalf("unexpected code %v: %v", c, err)
	}
	if names := dockerNamesWith(t, "_"+cfg.Metadata.Uid+"_"); len(names) > 0 {
		t.Fatalf("failed RunPodSandbox left containers %v", names)
	}
	entries, err := os.ReadDir(filepath.Join(d.rootDir, "sandbox"))
	if err != nil {
		t.Fatalf("reading checkpoint dir: %v", err)
	}
	if len(entries) > 0 {
		t.Fatalf("failed RunPodSandbox left checkpoint files: %v", entries)
	}
	items, err := d.runtime.ListPodSandbox(testCtx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.GetMetadata().GetUid() == cfg.Metadata.Uid {
			t.Fatalf("failed sandbox still listed: %v", it)
		}
	}
}

// TestCreateContainerFailureLeavesNothing makes CreateContainer fail after
// Docker created the container (its log path is taken by a non-empty
// directory, so the log link cannot be made) and checks the container is
// removed again.
func TestCreateContainerFailureLeavesNothing(t *testing.T) {
	d := startDaemon(t)
	sandboxID, sandboxCfg := runSandbox(t, d)
	cfg := newContainerConfig(sandboxCfg)
	blocker := filepath.Join(sandboxCfg.LogDirectory, cfg.LogPath, "occupied")
	if err := os.MkdirAll(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := d.runtime.CreateContainer(testCtx(t), sandboxID, cfg, sandboxCfg)
	if err == nil {
		t.Fatal("CreateContainer with an unusable log path succeeded")
	}
	if c := status.Code(err); c != codes.InvalidArgument {
		t.Fatalf("code %v (%v), want InvalidArgument", c, err)
	}
	if names := dockerNamesWith(t, "k8s_"+cfg.Metadata.Name+"_"+sandboxCfg.Metadata.Name+"_"+sandboxCfg.Metadata.Namespace+"_"+sandboxCfg.Metadata.Uid); len(names) > 0 {
		t.Fatalf("failed CreateContainer left containers %v", names)
	}
	list, err := d.runtime.ListContainers(testCtx(t), &runtimeapi.ContainerFilter{PodSandboxId: sandboxID})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) > 0 {
		t.Fatalf("failed container still listed: %v", list)
	}
}
