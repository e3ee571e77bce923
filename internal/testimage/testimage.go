// Package testimage builds the root filesystem of the busybox image that
// the e2e suite and the benchmark run (no registry is reachable, so test
// images are made locally from the host's static busybox). Importing it
// into Docker is left to the callers.
package testimage

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"time"
)

const (
	// Busybox is the image's reference.
	Busybox = "localhost/dockercri-e2e/busybox:1"
	// RecipeLabel records a hash of the image content, so a changed recipe
	// (or host busybox) re-imports the image instead of reusing a stale one.
	RecipeLabel = "io.dockercri.e2e.recipe"
)

// Changes are the Dockerfile-style settings to import the rootfs with.
func Changes(recipe string) []string {
	return []string{
		`CMD ["sh"]`,
		`ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
		fmt.Sprintf(`LABEL %s=%s`, RecipeLabel, recipe),
	}
}

// Applets are linked to /bin/busybox in the image.
var Applets = []string{
	"sh", "ash", "sleep", "echo", "cat", "ls", "id", "env", "top", "true", "false",
	"wget", "httpd", "hostname", "mkdir", "touch", "ps", "grep", "nc", "readlink",
	"pwd", "test", "[", "tr", "head", "tail", "wc", "rm", "kill", "trap", "sysctl",
	"ip", "ifconfig", "stat", "date", "seq", "printf", "uname", "whoami", "mount",
}

// BusyboxPath is the static busybox that goes into the image:
// $DOCKERCRI_E2E_BUSYBOX, else /bin/busybox (Debian's busybox-static).
func BusyboxPath() string {
	if p := os.Getenv("DOCKERCRI_E2E_BUSYBOX"); p != "" {
		return p
	}
	return "/bin/busybox"
}

// ReadStaticBusybox reads the host busybox and checks that it is static.
func ReadStaticBusybox() ([]byte, error) {
	path := BusyboxPath()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("test images need a static busybox at %s (Debian: apt-get install busybox-static, "+
			"or set DOCKERCRI_E2E_BUSYBOX): %w", path, err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s is not an ELF binary: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return nil, fmt.Errorf("%s is dynamically linked; test images need a static busybox "+
				"(Debian: apt-get install busybox-static, or set DOCKERCRI_E2E_BUSYBOX)", path)
		}
	}
	return data, nil
}

// Recipe is the hash that names a rootfs's content.
func Recipe(rootfs []byte) string {
	sum := sha256.Sum256(rootfs)
	return hex.EncodeToString(sum[:12])
}

// RootfsTar returns a deterministic tar of a tiny root filesystem: static
// busybox with applet symlinks, /etc/passwd, /etc/group, /tmp, plus extra
// regular files (path without leading slash → content).
func RootfsTar(busybox []byte, extra map[string]string) ([]byte, error) {
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
	for _, a := range Applets {
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
