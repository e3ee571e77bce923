package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
)

// The busybox test image, built exactly as e2e/images_test.go builds it
// (same rootfs, same recipe label), so the bench and the e2e suite share
// one image and neither re-imports the other's.
const (
	busyboxImage = "localhost/dockercri-e2e/busybox:1"
	recipeLabel  = "io.dockercri.e2e.recipe"
)

var busyboxApplets = []string{
	"sh", "ash", "sleep", "echo", "cat", "ls", "id", "env", "top", "true", "false",
	"wget", "httpd", "hostname", "mkdir", "touch", "ps", "grep", "nc", "readlink",
	"pwd", "test", "[", "tr", "head", "tail", "wc", "rm", "kill", "trap", "sysctl",
	"ip", "ifconfig", "stat", "date", "seq", "printf", "uname", "whoami", "mount",
}

// ensureImage makes sure ref exists: the busybox test image is imported
// from the host's static busybox when absent; any other image must exist.
func ensureImage(ctx context.Context, cli *client.Client, ref string) error {
	if ref != busyboxImage {
		if _, err := cli.ImageInspect(ctx, ref); err != nil {
			return fmt.Errorf("image %s: %w", ref, err)
		}
		return nil
	}
	_, err := cli.ImageInspect(ctx, ref)
	if err == nil {
		return nil // built by e2e or an earlier bench run
	}
	if !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("inspect %s: %w", ref, err)
	}
	bb, err := readStaticBusybox()
	if err != nil {
		return err
	}
	layer, err := rootfsTar(bb)
	if err != nil {
		return fmt.Errorf("build busybox rootfs: %w", err)
	}
	sum := sha256.Sum256(layer)
	logf("importing %s", ref)
	return importImage(ctx, cli, layer, ref, hex.EncodeToString(sum[:12]))
}

func readStaticBusybox() ([]byte, error) {
	path := os.Getenv("DOCKERCRI_E2E_BUSYBOX")
	if path == "" {
		path = "/bin/busybox"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the bench image needs a static busybox at %s (Debian: apt-get install busybox-static, or set DOCKERCRI_E2E_BUSYBOX): %w", path, err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s is not an ELF binary: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return nil, fmt.Errorf("%s is dynamically linked; the bench image needs a static busybox", path)
		}
	}
	return data, nil
}

// rootfsTar is a deterministic tar of static busybox with its applet
// links, /etc/passwd, /etc/group and /tmp.
func rootfsTar(busybox []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	dir := func(name string, mode int64) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: mtime})
	}
	file := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: mtime}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, d := range []string{"bin", "etc", "root", "proc", "sys", "dev", "var", "usr"} {
		if err := dir(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := dir("tmp", 0o1777); err != nil {
		return nil, err
	}
	if err := file("bin/busybox", 0o755, busybox); err != nil {
		return nil, err
	}
	for _, a := range busyboxApplets {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777, ModTime: mtime}); err != nil {
			return nil, err
		}
	}
	if err := file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")); err != nil {
		return nil, err
	}
	if err := file("etc/group", 0o644, []byte("root:x:0:\nnogroup:x:65534:\n")); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func importImage(ctx context.Context, cli *client.Client, layer []byte, ref, recipe string) error {
	rc, err := cli.ImageImport(ctx, image.ImportSource{Source: bytes.NewReader(layer), SourceName: "-"}, ref,
		image.ImportOptions{Changes: []string{
			`CMD ["sh"]`,
			`ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
			fmt.Sprintf(`LABEL %s=%s`, recipeLabel, recipe),
		}})
	if err != nil {
		return fmt.Errorf("import %s: %w", ref, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("import %s: %w", ref, err)
	}
	return nil
}
