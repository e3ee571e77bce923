package e2e

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dockercri/dockercri/pause"
)

// The recipes of every image critest v1.36 uses, built from the host's static
// busybox plus e2e/critestbin (nginx, nnp, pgrep, ipcs) and the project's own
// pause binary. Each is pushed to the test registry under the path critest
// asks for with --registry-prefix (framework.PrepareImageName keeps the path
// and swaps the registry).

const (
	critestDefaultImage = "e2e-test-images/busybox:1.29-2"
	critestWebImage     = "e2e-test-images/nginx:1.14-2"
	criToolsRepo        = "k8s-staging-cri-tools/"
)

// critestImage is one image: its path in the registry, the upstream name
// critest creates containers from without the prefix (those are tagged in
// dockerd too, see preseedImages), and what it adds to the busybox base.
type critestImage struct {
	path     string
	upstream string
	layer    []byte // a whole rootfs tar instead of base + files (pause)
	files    []layerFile
	config   v1.Config
}

// layerFile is one entry of an image layer.
type layerFile struct {
	name     string // without leading slash
	mode     int64  // permission bits, setuid included
	data     []byte
	link     string // symlink target, if set
	hardlink string // hard link target (a path in the same layer), if set
}

const pathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// The users and groups of the busybox image (as in busybox's own images):
// www-data and users are named by the image-user tests, nobody by
// RunAsUsername.
const (
	critestPasswd = "root:x:0:0:root:/root:/bin/sh\n" +
		"daemon:x:1:1:daemon:/usr/sbin:/bin/false\n" +
		"bin:x:2:2:bin:/bin:/bin/false\n" +
		"sys:x:3:3:sys:/dev:/bin/false\n" +
		"sync:x:4:100:sync:/bin:/bin/sync\n" +
		"mail:x:8:8:mail:/var/spool/mail:/bin/false\n" +
		"www-data:x:33:33:www-data:/var/www:/bin/false\n" +
		"operator:x:37:37:Operator:/var:/bin/false\n" +
		"nobody:x:65534:65534:nobody:/home:/bin/false\n"
	critestGroup = "root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\n" +
		"lp:x:7:\nmail:x:8:\nkmem:x:9:\nwheel:x:10:root\ncdrom:x:11:\ndialout:x:18:\nfloppy:x:19:\n" +
		"video:x:28:\naudio:x:29:\ntape:x:32:\nwww-data:x:33:\noperator:x:37:\nutmp:x:43:\n" +
		"plugdev:x:46:\nstaff:x:50:\nlock:x:54:\nnetdev:x:82:\nusers:x:100:\nnogroup:x:65534:\n"
)

// critestImages returns every image to push; helper is the critestbin binary.
func critestImages(t testing.TB, helper []byte) []critestImage {
	t.Helper()
	sh := v1.Config{Cmd: []string{"sh"}, Env: []string{pathEnv}}
	withUser := func(u string) v1.Config { c := sh; c.User = u; return c }
	marker := func(name string) []layerFile {
		return []layerFile{{name: "etc/test-image", mode: 0o644, data: []byte(name + "\n")}}
	}
	nginxFiles := []layerFile{
		{name: "usr/sbin/nginx", mode: 0o755, data: helper},
		{name: "usr/share/nginx/html/index.html", mode: 0o644, data: []byte(nginxIndex)},
	}
	nginxCfg := v1.Config{Cmd: []string{"nginx", "-g", "daemon off;"}, Env: []string{pathEnv},
		ExposedPorts: map[string]struct{}{"80/tcp": {}}, StopSignal: "SIGQUIT"}
	hostnetCfg := nginxCfg
	hostnetCfg.Env = []string{pathEnv, "NGINX_PORT=12003"}
	hostnetCfg.ExposedPorts = map[string]struct{}{"12003/tcp": {}}

	pauseTar, err := pause.RootfsTar(runtime.GOARCH)
	if err != nil {
		t.Fatalf("pause rootfs: %v", err)
	}
	imgs := []critestImage{
		{path: critestDefaultImage, config: sh},
		{path: critestWebImage, upstream: "registry.k8s.io/" + critestWebImage, files: nginxFiles, config: nginxCfg},
		{path: criToolsRepo + "hostnet-nginx-" + runtime.GOARCH + ":latest",
			upstream: "gcr.io/" + criToolsRepo + "hostnet-nginx-" + runtime.GOARCH + ":latest",
			files:    nginxFiles, config: hostnetCfg},
		{path: "e2e-test-images/httpd:2.4.39-4", upstream: "registry.k8s.io/e2e-test-images/httpd:2.4.39-4",
			files: []layerFile{
				{name: "usr/local/bin/httpd-foreground", mode: 0o755, data: []byte(httpdForeground)},
				{name: "usr/local/apache2/htdocs/index.html", mode: 0o644, data: []byte("<html><body><h1>It works!</h1></body></html>\n")},
			},
			config: v1.Config{Cmd: []string{"httpd-foreground"}, Env: []string{pathEnv},
				ExposedPorts: map[string]struct{}{"80/tcp": {}}, StopSignal: "SIGWINCH"}},
		{path: "e2e-test-images/nonewprivs:1.3", upstream: "registry.k8s.io/e2e-test-images/nonewprivs:1.3",
			files:  []layerFile{{name: "usr/local/bin/nnp", mode: 0o4755, data: helper}},
			config: v1.Config{Cmd: []string{"/usr/local/bin/nnp"}, Env: []string{pathEnv}}},
		{path: criToolsRepo + "test-image-predefined-group:latest",
			upstream: "gcr.io/" + criToolsRepo + "test-image-predefined-group:latest",
			files: []layerFile{
				{name: "etc/passwd", mode: 0o644, data: []byte(critestPasswd +
					"default-user:x:1000:1000:Linux User,,,:/home/default-user:/bin/sh\n")},
				{name: "etc/group", mode: 0o644, data: []byte(critestGroup +
					"default-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\n")},
				{name: "home/default-user/.keep", mode: 0o644},
			},
			config: withUser("1000")},
		{path: criToolsRepo + "test-image-user-uid:latest", config: withUser("1002")},
		{path: criToolsRepo + "test-image-user-username:latest", config: withUser("www-data")},
		{path: criToolsRepo + "test-image-user-uid-group:latest", config: withUser("1003:users")},
		{path: criToolsRepo + "test-image-user-username-group:latest", config: withUser("www-data:users")},
		{path: "pause:3.9", layer: pauseTar,
			config: v1.Config{Entrypoint: []string{"/pause"}, User: "65535:65535"}},
	}
	for _, n := range []string{"test-image-latest:latest", "test-image-tag:test", "test-image-tag:all",
		"test-image-1:latest", "test-image-2:latest", "test-image-3:latest"} {
		imgs = append(imgs, critestImage{path: criToolsRepo + n, files: marker(n), config: sh})
	}
	for _, tag := range []string{"1", "2", "3"} { // one image, three tags
		imgs = append(imgs, critestImage{path: criToolsRepo + "test-image-tags:" + tag,
			files: marker("test-image-tags"), config: sh})
	}
	return imgs
}

const nginxIndex = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n" +
	"<h1>Welcome to nginx!</h1>\n</body>\n</html>\n"

// httpdForeground starts busybox httpd the way the httpd image's entrypoint
// starts Apache; its first stderr line names httpd, as Apache's does.
const httpdForeground = "#!/bin/sh\n" +
	"echo \"httpd: serving /usr/local/apache2/htdocs on port 80\" >&2\n" +
	"exec httpd -f -v -p 80 -h /usr/local/apache2/htdocs\n"

// baseLayerFiles is the busybox base: every applet of the host busybox as a
// /bin symlink, critestbin's pgrep and ipcs, users, groups and the usual
// directories.
func baseLayerFiles(t testing.TB, helper []byte) []layerFile {
	t.Helper()
	bbPath, libs := critestBusybox(t)
	bb, err := os.ReadFile(bbPath)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bbPath, "--list").Output()
	if err != nil {
		t.Fatalf("%s --list: %v", bbPath, err)
	}
	files := append([]layerFile{}, libs...)
	for _, d := range []string{"bin", "dev", "etc", "home", "proc", "root", "sys", "usr/bin", "usr/sbin",
		"usr/libexec", "usr/local/bin", "var/run", "var/www"} {
		files = append(files, layerFile{name: d + "/", mode: 0o755})
	}
	files = append(files, layerFile{name: "tmp/", mode: 0o1777},
		layerFile{name: "bin/busybox", mode: 0o755, data: bb},
		layerFile{name: "usr/libexec/critestbin", mode: 0o755, data: helper},
		layerFile{name: "bin/pgrep", link: "/usr/libexec/critestbin"},
		layerFile{name: "bin/ipcs", link: "/usr/libexec/critestbin"},
		layerFile{name: "etc/passwd", mode: 0o644, data: []byte(critestPasswd)},
		layerFile{name: "etc/group", mode: 0o644, data: []byte(critestGroup)},
		layerFile{name: "etc/hostname", mode: 0o644, data: []byte("busybox\n")})
	for _, a := range strings.Fields(string(out)) {
		if a == "busybox" || a == "pgrep" || a == "ipcs" {
			continue
		}
		// Hard links, as in busybox's images: masking /bin/ls must not mask
		// the busybox binary behind it.
		files = append(files, layerFile{name: "bin/" + a, hardlink: "bin/busybox"})
	}
	return files
}

// critestBusybox is the busybox of the critest images: Debian's dynamic
// build unpacked by hack/fetch-busybox.sh into $DOCKERCRI_CRITEST_BUSYBOX
// (with its libraries), whose sh runs /bin/ls instead of an applet, as
// critest's MaskedPaths spec needs; else the host's static busybox.
func critestBusybox(t testing.TB) (string, []layerFile) {
	t.Helper()
	root := os.Getenv("DOCKERCRI_CRITEST_BUSYBOX")
	if root == "" {
		t.Log("DOCKERCRI_CRITEST_BUSYBOX unset: using the static busybox, whose sh runs applets directly (MaskedPaths will fail)")
		return busyboxPath(), nil
	}
	var libs []layerFile
	seen := map[string]bool{"bin/": true}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "/bin/busybox") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		var dirs []string
		for dir := filepath.Dir(rel); dir != "."; dir = filepath.Dir(dir) {
			dirs = append([]string{dir + "/"}, dirs...)
		}
		for _, dir := range dirs {
			if !seen[dir] {
				seen[dir] = true
				libs = append(libs, layerFile{name: dir, mode: 0o755})
			}
		}
		libs = append(libs, layerFile{name: rel, mode: 0o755, data: data})
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", root, err)
	}
	return filepath.Join(root, "bin", "busybox"), libs
}

// buildCritestBin builds e2e/critestbin as a static binary into dir.
func buildCritestBin(t testing.TB, dir string) []byte {
	t.Helper()
	if prebuilt := os.Getenv("DOCKERCRI_CRITESTBIN"); prebuilt != "" {
		// Built beforehand where no Go toolchain is (the cgroup v2 guest).
		data, err := os.ReadFile(prebuilt)
		if err != nil {
			t.Fatalf("DOCKERCRI_CRITESTBIN: %v", err)
		}
		return data
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	bin := filepath.Join(dir, "critestbin")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./e2e/critestbin")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./e2e/critestbin: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
