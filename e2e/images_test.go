package e2e

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
	"sort"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
)

// busyboxApplets are linked to /bin/busybox in every test image.
var busyboxApplets = []string{
	"sh", "ash", "sleep", "echo", "cat", "ls", "id", "env", "top", "true", "false",
	"wget", "httpd", "hostname", "mkdir", "touch", "ps", "grep", "nc", "readlink",
	"pwd", "test", "[", "tr", "head", "tail", "wc", "rm", "kill", "trap", "sysctl",
	"ip", "ifconfig", "stat", "date", "seq", "printf", "uname", "whoami", "mount",
}

// recipeLabel records a hash of the image content, so a changed recipe (or a
// changed host busybox) re-imports the fixture instead of reusing a stale one.
const recipeLabel = "io.dockercri.e2e.recipe"

// busyboxPath returns the static busybox that goes into test images.
func busyboxPath() string {
	if p := os.Getenv("DOCKERCRI_E2E_BUSYBOX"); p != "" {
		return p
	}
	return "/bin/busybox"
}

// readStaticBusybox reads the host busybox and checks that it is static.
func readStaticBusybox() ([]byte, error) {
	path := busyboxPath()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("e2e needs a static busybox at %s (Debian: apt-get install busybox-static, "+
			"or set DOCKERCRI_E2E_BUSYBOX): %w", path, err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s is not an ELF binary: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return nil, fmt.Errorf("%s is dynamically linked; e2e needs a static busybox "+
				"(Debian: apt-get install busybox-static, or set DOCKERCRI_E2E_BUSYBOX)", path)
		}
	}
	return data, nil
}

// rootfsTar returns a deterministic tar of a tiny root filesystem: static
// busybox with applet symlinks, /etc/passwd, /etc/group, /tmp, plus extra
// regular files (path without leading slash → content).
func rootfsTar(busybox []byte, extra map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	dir := func(name string, mode int64) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: mtime})
	}
	file := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode,
			Size: int64(len(data)), ModTime: mtime}); err != nil {
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
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a,
			Linkname: "busybox", Mode: 0o777, ModTime: mtime}); err != nil {
			return nil, err
		}
	}
	if err := file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")); err != nil {
		return nil, err
	}
	if err := file("etc/group", 0o644, []byte("root:x:0:\nnogroup:x:65534:\n")); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(extra))
	for n := range extra {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := file(n, 0o644, []byte(extra[n])); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ensureBusyboxImage imports busyboxImage into dockerd unless an image with
// the same recipe hash is already there.
func ensureBusyboxImage(ctx context.Context, cli *client.Client) error {
	bb, err := readStaticBusybox()
	if err != nil {
		return err
	}
	layer, err := rootfsTar(bb, nil)
	if err != nil {
		return fmt.Errorf("build busybox rootfs tar: %w", err)
	}
	sum := sha256.Sum256(layer)
	recipe := hex.EncodeToString(sum[:12])

	old, err := cli.ImageInspect(ctx, busyboxImage)
	switch {
	case err == nil && old.Config != nil && old.Config.Labels[recipeLabel] == recipe:
		return nil
	case err != nil && !cerrdefs.IsNotFound(err):
		return fmt.Errorf("inspect %s: %w", busyboxImage, err)
	}
	if err := importImage(ctx, cli, layer, busyboxImage, recipe); err != nil {
		return err
	}
	if old.ID != "" {
		// The tag moved to the new import; drop the stale one if unused.
		_, _ = cli.ImageRemove(ctx, old.ID, image.RemoveOptions{PruneChildren: true})
	}
	return nil
}

// importImage imports a rootfs tar as ref with CMD ["sh"], no ENTRYPOINT.
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

// removeImageQuietly force-removes ref from dockerd, ignoring "not found".
func removeImageQuietly(cli *client.Client, ref string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := cli.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return err
	}
	return nil
}
