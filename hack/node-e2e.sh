#!/usr/bin/env bash
# node-e2e.sh build|bin|dry-run|run|summary — kubelet and Kubernetes' own node e2e suite
# (test/e2e_node) built from the Go module proxy, for running kubelet's
# conformance tests against dockercri (docs/node-e2e.md).
#
#   build    builds kubelet, e2e_node.test and the ginkgo CLI into
#            $CACHE/<k8s version>/bin (reused when present: ~20 min on 2
#            cores from an empty Go build cache, under a minute with a warm
#            one, nothing when the binaries exist). The throwaway module
#            is $CACHE/<k8s version>/mod: it requires k8s.io/kubernetes and
#            replaces each staging module (every k8s.io/* that kubernetes'
#            go.mod requires at v0.0.0) by its published v0.X.Y, the list read
#            from kubernetes' own go.mod. etcd and kube-apiserver are compiled
#            into e2e_node.test (services mode), so no etcd binary is needed.
#   prepare  build, the stand-in images and bin/dockercri: everything
#            "run" needs, for a node without Go (NODE_E2E_PREBUILT=1 there;
#            hack/guest-node-e2e.sh).
#   bin      prints the bin directory.
#   dry-run  lists the specs a focus selects without starting anything
#            (ginkgo --dry-run: no kubelet, no apiserver, no containers);
#            FOCUS and SKIP override the defaults below.
#   run      runs the suite for real against dockercri on a private stack
#            of its own, torn down on exit (also on failure or ^C):
#              - a dockerd (Debian's; ENGINE=next: the current Docker of
#                hack/engine-next.sh with a containerd of its own) on
#                $RUNDIR/docker.sock, data root
#                $STATE/docker, exec root $RUNDIR/exec, its own bridge
#                $BRIDGE ($BRIDGE_CIDR), no iptables rules of its own
#                (FORWARD ACCEPT rules for the bridge are added/removed),
#                runtime test-handler=runc for the RuntimeClass spec;
#              - a registry on 127.0.0.1 (a small go-containerregistry
#                program built into $CACHE/registry) holding local
#                stand-ins for registry.k8s.io/e2e-test-images/{busybox,
#                agnhost,nonroot,nginx,nonewprivs} and registry.k8s.io/pause;
#              - bin/dockercri on $RUNDIR/dockercri.sock with
#                --registry-mirror registry.k8s.io=<registry> (and docker.io);
#              - e2e_node.test, which starts the apiserver, etcd and kubelet
#                itself, with systemd-run hidden from PATH unless PID 1
#                is systemd, the kubelet config written below
#                (failCgroupV1: false, cgroupDriver $CGROUP_DRIVER,
#                cgroupRoot $CGROUP_ROOT, eviction thresholds that never
#                fire) and --system-cgroups= so host processes stay put
#                (NODE_E2E_KUBELET_CGROUP_FLAGS overrides).
#            The host sysctls kubelet sets at start are saved and restored.
#            FOCUS, SKIP (default: SKIP plus e2e/node_e2e_skip.txt),
#            FEATURE_GATES (kubelet's and the suite's, default
#            PodAndContainerStatsFromCRI=true; empty for none),
#            TIMEOUT (ginkgo timeout, default 50m), PROCS (parallel ginkgo
#            processes through the ginkgo CLI, default 1) and REPORT_DIR
#            (default bin/node-e2e/<date>) tune it; extra args go to
#            e2e_node.test. It ends with a summary line (specs run, passed,
#            failed, skipped by the spec, not selected) and the failed specs;
#            the JUnit and JSON reports stay in the report directory.
#   summary JUNIT  the summary line of an earlier run's junit.xml.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.37.2}
# The staging modules are published as v0.<minor>.<patch> of the same release.
STAGING_VERSION=${STAGING_VERSION:-v0.${K8S_VERSION#v1.}}
# Set when K8S_VERSION's go.mod asks for a newer Go than the installed one
# (e.g. GOTOOLCHAIN=go1.27.3; the toolchain comes from the module proxy).
GOTOOLCHAIN=${GOTOOLCHAIN:-local}
export GOTOOLCHAIN
CACHE=${DOCKERCRI_NODE_E2E_CACHE:-/var/cache/dockercri/node-e2e}
DIR="$CACHE/$K8S_VERSION"
# The busybox stand-in's binary, per version of the host's busybox-static.
BUSYBOX=${NODE_E2E_BUSYBOX:-"$DIR/images/busybox-$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null || echo missing)"}
MOD="$DIR/mod"
BIN="$DIR/bin"

FOCUS=${FOCUS:-'\[NodeConformance\]'}
SKIP=${SKIP-'\[Flaky\]|\[Slow\]|\[Serial\]'}

log() { echo "node-e2e: $*" >&2; }

# mkmod writes the throwaway module: kubernetes plus one replace per staging
# module, generated from kubernetes' go.mod (as the proxy serves it).
mkmod() {
	if [ -f "$MOD/go.mod" ] && grep -q "^require k8s.io/kubernetes $K8S_VERSION\$" "$MOD/go.mod"; then
		return 0
	fi
	mkdir -p "$MOD"
	local gomod
	gomod=$(cd "$MOD" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
		sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
	[ -f "$gomod" ] || {
		log "no go.mod for k8s.io/kubernetes@$K8S_VERSION"
		return 1
	}
	local gover staging
	gover=$(awk '$1 == "go" { print $2; exit }' "$gomod")
	staging=$(awk '/^require[[:space:]]*\(/ { r = 1; next } r && /^\)/ { r = 0 }
		r && $1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$gomod")
	[ -n "$staging" ] || {
		log "found no staging modules in $gomod"
		return 1
	}
	{
		echo "module dockercri-node-e2e-build"
		echo
		echo "go $gover"
		echo
		echo "require k8s.io/kubernetes $K8S_VERSION"
		echo
		echo "replace ("
		for m in $staging; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done
		echo ")"
	} >"$MOD/go.mod.tmp"
	mv "$MOD/go.mod.tmp" "$MOD/go.mod"
	rm -f "$MOD/go.sum"
	log "module $MOD: k8s.io/kubernetes $K8S_VERSION (go $gover), $(echo "$staging" | wc -l) staging modules at $STAGING_VERSION"
}

# ldflags prints the version stamps hack/lib/version.sh would set, so that
# kubelet and the in-test apiserver report K8S_VERSION rather than v0.0.0.
ldflags() {
	local v=${K8S_VERSION#v} out="" p
	local major=${v%%.*} minor
	minor=${v#*.}
	minor=${minor%%.*}
	for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
		out="$out -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
	done
	echo "all=$out -s -w"
}

# Kubernetes' own build tags for non-debug binaries (hack/lib/golang.sh).
TAGS=selinux,notest,grpcnotrace

# build1 OUT CMD... runs a go build/test -c command unless OUT exists, niced,
# and reports how long it took.
build1() {
	local out=$1
	shift
	if [ -x "$out" ]; then return 0; fi
	local start=$SECONDS
	log "building $(basename "$out") ($K8S_VERSION)"
	(
		cd "$MOD"
		export GOFLAGS="-mod=mod -buildvcs=false ${NODE_E2E_GOFLAGS:-}"
		nice -n 19 "$@"
	)
	mv "$out.tmp" "$out"
	log "built $(basename "$out") in $((SECONDS - start))s"
}

build() {
	mkdir -p "$BIN"
	mkmod
	build1 "$BIN/kubelet" go build -trimpath -tags "$TAGS" -ldflags "$(ldflags)" \
		-o "$BIN/kubelet.tmp" k8s.io/kubernetes/cmd/kubelet
	build1 "$BIN/e2e_node.test" go test -c -trimpath -tags "$TAGS" -ldflags "$(ldflags)" \
		-o "$BIN/e2e_node.test.tmp" k8s.io/kubernetes/test/e2e_node
	# ginkgo's CLI at the version kubernetes requires, for parallel runs
	# (ginkgo -p / --procs); serial runs need only e2e_node.test.
	build1 "$BIN/ginkgo" go build -trimpath -o "$BIN/ginkgo.tmp" github.com/onsi/ginkgo/v2/ginkgo
	log "binaries in $BIN"
}

dryrun() {
	build
	local work="$DIR/dry-run"
	mkdir -p "$work"
	# The suite writes kubelet.conf.d and friends into its working directory.
	cd "$work"
	"$BIN/e2e_node.test" --ginkgo.dry-run --ginkgo.no-color \
		--ginkgo.focus="$FOCUS" ${SKIP:+--ginkgo.skip="$SKIP"} \
		--ginkgo.json-report="$work/report.json" --prepull-images=false "$@"
}

# ---- run ---------------------------------------------------------------
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNDIR=${NODE_E2E_RUNDIR:-/run/dockercri-node-e2e}
STATE=${NODE_E2E_STATE:-/var/lib/dockercri-node-e2e}
BRIDGE=${NODE_E2E_BRIDGE:-dcri-ne0}
BRIDGE_CIDR=${NODE_E2E_BRIDGE_CIDR:-172.31.0.1/16}
# The cgroup driver of the private dockerd and of kubelet. systemd needs
# PID 1 to be systemd (the cgroup v2 guest, hack/guest-node-e2e.sh) and a
# cgroupRoot of "/" (kubelet then makes kubepods.slice).
CGROUP_DRIVER=${NODE_E2E_CGROUP_DRIVER:-cgroupfs}
case $CGROUP_DRIVER in cgroupfs) CGROUP_ROOT=${NODE_E2E_CGROUP_ROOT:-/dcri-node-e2e} ;; systemd) CGROUP_ROOT=${NODE_E2E_CGROUP_ROOT:-/} ;; *)
	echo "node-e2e: NODE_E2E_CGROUP_DRIVER must be cgroupfs or systemd" >&2
	exit 2
	;;
esac
# kubelet runs as a transient systemd unit (the suite's own choice when
# systemd-run is on PATH) where PID 1 is systemd, as on the suite's upstream
# CI: the [Serial] specs that restart kubelet do it with systemctl.
# Elsewhere systemd-run is hidden and kubelet is the suite's child.
SYSTEMD_RUN=
[ -d /run/systemd/system ] && [ -z "${NODE_E2E_NO_SYSTEMD_RUN:-}" ] && SYSTEMD_RUN=1
# With SYSTEMD_RUN dockercri is a unit of its own too, as on a real node:
# the specs that take the runtime down stop and start the unit of
# dockercri's PID over D-Bus, and its cgroup is kubelet's runtime cgroup.
RUNTIME_UNIT=dcri-node-e2e-dockercri.service
# kubelet's system-container flags. Without systemd they keep every host
# process where it is (no kubelet, runtime or misc cgroup); with it, kubelet
# moves itself to /kubelet.slice (the suite's choice) and reports the
# runtime's unit, as the Summary API spec expects.
if [ -n "$SYSTEMD_RUN" ]; then
	KUBELET_CGROUP_FLAGS=${NODE_E2E_KUBELET_CGROUP_FLAGS-"--runtime-cgroups=/system.slice/$RUNTIME_UNIT"}
else
	KUBELET_CGROUP_FLAGS=${NODE_E2E_KUBELET_CGROUP_FLAGS-"--system-cgroups= --kubelet-cgroups= --runtime-cgroups="}
fi
# ENGINE: debian (Debian's docker.io 20.10) or next (the current Docker,
# hack/engine-next.sh; the Docker 29 issue).
ENGINE=${ENGINE:-debian}
case $ENGINE in 20.10 | debian) ENGINE=debian ;; next) ;; *)
	echo "node-e2e: ENGINE must be debian (or 20.10) or next" >&2
	exit 2
	;;
esac
DSOCK="$RUNDIR/docker.sock"
CSOCK="$RUNDIR/dockercri.sock"
# Host sysctls kubelet's container manager sets at start-up
# (setupKernelTunables), restored afterwards.
SYSCTLS="vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes"

alive() {
	local pid
	[ -f "$1" ] || return 1
	pid=$(cat "$1")
	[ -n "$pid" ] && [ -d "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}

stoppid() { # stoppid PIDFILE [SECONDS]: SIGTERM, wait, SIGKILL
	local pidfile=$1 wait=${2:-30} pid
	if alive "$pidfile"; then
		pid=$(cat "$pidfile")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 $((wait * 5))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$pidfile"
}

dk() { docker -H "unix://$DSOCK" "$@"; }

# registry_src prints the registry program: go-containerregistry's registry
# in memory on a loopback port, filled at start-up with stand-ins built from
# Debian's busybox-static, agnhost and nonewprivs (built from the
# k8s.io/kubernetes module) and dockercri's own pause program.
registry_src() {
	cat <<'GOEOF'
// nodee2e-registry serves an in-memory OCI registry on a loopback address
// and fills it with locally built stand-ins for the images kubelet's node
// e2e suite names (registry.k8s.io paths), for dockercri's
// --registry-mirror. Used by hack/node-e2e.sh run; not part of dockercri.
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/dockercri/dockercri/pause"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type file struct {
	name, link string
	mode       int64
	uid        int
	data       []byte
}

func layer(files []file) v1.Layer {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mt := time.Unix(1700000000, 0)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, ModTime: mt, Typeflag: tar.TypeReg, Size: int64(len(f.data)), Uid: f.uid}
		switch {
		case f.link != "":
			h.Typeflag, h.Linkname, h.Mode, h.Size = tar.TypeSymlink, f.link, 0o777, 0
		case strings.HasSuffix(f.name, "/"):
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		must(tw.WriteHeader(h))
		if h.Typeflag == tar.TypeReg {
			_, err := tw.Write(f.data)
			must(err)
		}
	}
	must(tw.Close())
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	must(err)
	return l
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func read(p string) []byte {
	b, err := os.ReadFile(p)
	must(err)
	return b
}

const passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nuser-defined-in-image:x:1000:1000::/home/user-defined-in-image:/bin/sh\n"
const group = "root:x:0:\nnogroup:x:65534:\nuser-defined-in-image:x:1000:\ngroup-defined-in-image:x:50000:user-defined-in-image\n"

// nmeter stands in for the busybox applet Debian's busybox-static lacks;
// the Containers Lifecycle specs time their containers with it.
const nmeter = `#!/bin/sh
# nmeter stand-in (node e2e images): Debian's busybox-static has no nmeter
# applet, and the specs read a time of day with milliseconds from
# "nmeter -d0 '%3t'". Only %t, %Nt (N decimals) and plain text are done.
d=1000
while getopts d: o; do
	case $o in d) d=$OPTARG ;; *) exit 1 ;; esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: nmeter [-d MSEC] FORMAT" >&2; exit 1; }
while :; do
	t=$EPOCHREALTIME
	s=${t%.*} f=${t#*.}000000
	out= rest=$1
	while [ -n "$rest" ]; do
		case $rest in
		%t*) out="$out$(date -d "@$s" +%H:%M:%S)" rest=${rest#%t} ;;
		%[1-6]t*) out="$out$(date -d "@$s" +%H:%M:%S).$(echo "$f" | cut -c"1-${rest:1:1}")" rest=${rest#%?t} ;;
		%*) echo "nmeter (stand-in): only %t and %Nt are supported, not: $1" >&2; exit 1 ;;
		*) lit=${rest%%\%*} && out="$out$lit" rest=${rest#"$lit"} ;;
		esac
	done
	echo "$out" || exit 0
	[ "$d" -gt 0 ] && usleep $((d * 1000))
done
`

// busyboxFiles: busybox (Debian's busybox-static, rebuilt by
// hack/build-busybox.sh) at /bin/busybox with every applet
// linked at its usual place, and /bin/nmeter (a sh stand-in).
func busyboxFiles(bb string) []file {
	fs := []file{
		{name: "bin/", mode: 0o755}, {name: "sbin/", mode: 0o755}, {name: "usr/", mode: 0o755},
		{name: "usr/bin/", mode: 0o755}, {name: "usr/sbin/", mode: 0o755},
		{name: "etc/", mode: 0o755}, {name: "tmp/", mode: 0o1777}, {name: "root/", mode: 0o700},
		{name: "home/", mode: 0o755}, {name: "var/", mode: 0o755},
		{name: "bin/busybox", mode: 0o755, data: read(bb)},
		{name: "etc/passwd", mode: 0o644, data: []byte(passwd)},
		{name: "etc/group", mode: 0o644, data: []byte(group)},
	}
	out, err := exec.Command(bb, "--list-full").Output()
	must(err)
	seen := map[string]bool{"bin/busybox": true}
	for _, a := range strings.Fields(string(out)) {
		if !seen[a] {
			seen[a] = true
			fs = append(fs, file{name: a, link: "/bin/busybox"})
		}
	}
	// The upstream busybox image has every applet in /bin as well (specs
	// run /bin/top, /bin/sleep ...).
	for _, a := range strings.Fields(string(out)) {
		if b := "bin/" + path.Base(a); !seen[b] {
			seen[b] = true
			fs = append(fs, file{name: b, link: "/bin/busybox"})
		}
	}
	if !seen["bin/nmeter"] && !seen["usr/bin/nmeter"] {
		fs = append(fs, file{name: "bin/nmeter", mode: 0o755, data: []byte(nmeter)})
	}
	return fs
}

// dirFiles returns the tree under dir (files, symlinks, directories) as
// layer entries, for host programs copied with their libraries.
func dirFiles(dir string) []file {
	var fs []file
	must(filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		must(err)
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		fi, err := os.Lstat(p)
		must(err)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			l, err := os.Readlink(p)
			must(err)
			fs = append(fs, file{name: rel, link: l})
		case fi.IsDir():
			fs = append(fs, file{name: rel + "/", mode: int64(fi.Mode().Perm())})
		default:
			fs = append(fs, file{name: rel, mode: int64(fi.Mode().Perm()), data: read(p)})
		}
		return nil
	}))
	return fs
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5055", "listen address")
	bb := flag.String("busybox", "/bin/busybox", "static busybox")
	agnhost := flag.String("agnhost", "", "static agnhost binary")
	nnp := flag.String("nonewprivs", "", "static nonewprivs binary (optional)")
	porter := flag.String("porter-dir", "", "dir with localhost.crt/key for agnhost")
	extra := flag.String("agnhost-extra", "", "dir whose tree is added to agnhost (curl and its libraries)")
	ready := flag.String("ready-file", "", "written once every image is pushed")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	must(err)
	srv := &http.Server{Handler: registry.New(registry.Logger(log.New(io.Discard, "", 0)))}
	go func() { log.Fatal(srv.Serve(ln)) }()
	host := ln.Addr().String()

	push := func(ref string, cfg v1.Config, layers ...v1.Layer) {
		img, err := mutate.AppendLayers(empty.Image, layers...)
		must(err)
		cf, err := img.ConfigFile()
		must(err)
		cf = cf.DeepCopy()
		cf.Architecture, cf.OS, cf.Config = runtime.GOARCH, "linux", cfg
		if cf.Config.Env == nil {
			cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
		}
		img, err = mutate.ConfigFile(img, cf)
		must(err)
		r, err := name.ParseReference(host+"/"+ref, name.Insecure)
		must(err)
		must(remote.Write(r, img))
		log.Printf("pushed %s/%s", host, ref)
	}

	bbl := layer(busyboxFiles(*bb))
	const e2e = "e2e-test-images/"
	push(e2e+"busybox:1.37.0-2", v1.Config{Cmd: []string{"sh"}}, bbl)
	push(e2e+"busybox:1.36.1-1", v1.Config{Cmd: []string{"sh"}}, bbl)
	push(e2e+"nonroot:1.5", v1.Config{Cmd: []string{"sh"}, User: "1234"}, bbl)
	push("library/busybox:latest", v1.Config{Cmd: []string{"sh"}}, bbl)
	web := layer([]file{{name: "usr/share/", mode: 0o755}, {name: "usr/share/nginx/", mode: 0o755}, {name: "usr/share/nginx/html/", mode: 0o755},
		{name: "usr/share/nginx/html/index.html", mode: 0o644, data: []byte("<html><body>Welcome to nginx!</body></html>\n")}})
	push(e2e+"nginx:1.27.0-2", v1.Config{Cmd: []string{"httpd", "-f", "-p", "80", "-h", "/usr/share/nginx/html"}}, bbl, web)
	if *agnhost != "" {
		fs := []file{{name: "agnhost", mode: 0o755, data: read(*agnhost)}, {name: "agnhost-2", link: "agnhost"},
			{name: "uploads/", mode: 0o755}, {name: "home/user-defined-in-image/", mode: 0o755, uid: 1000}}
		if *porter != "" {
			fs = append(fs, file{name: "localhost.crt", mode: 0o644, data: read(path.Join(*porter, "localhost.crt"))},
				file{name: "localhost.key", mode: 0o644, data: read(path.Join(*porter, "localhost.key"))})
		}
		ls := []v1.Layer{bbl, layer(fs)}
		if *extra != "" {
			ls = append(ls, layer(dirFiles(*extra)))
		}
		cfg := v1.Config{Entrypoint: []string{"/agnhost"}, Cmd: []string{"pause"}}
		push(e2e+"agnhost:2.66.1", cfg, ls...)
		push(e2e+"agnhost:2.55", cfg, ls...)
	}
	// kitten: the image the image-volume specs mount ([Feature:ImageVolume],
	// engines with image volumes: Docker 29). The specs read /data.json
	// (naming kitten.jpg), /etc/os-release (upstream's is Alpine's, and
	// the spec looks for "Alpine Linux") and /etc/passwd through the volume.
	kitten := layer([]file{{name: "etc/", mode: 0o755},
		{name: "data.json", mode: 0o644, data: []byte(`{"image": "kitten.jpg", "stand-in": "dockercri node e2e"}` + "\n")},
		{name: "kitten.jpg", mode: 0o644, data: []byte("stand-in for the upstream image's kitten.jpg\n")},
		{name: "etc/os-release", mode: 0o644, data: []byte("NAME=\"Alpine Linux\"\nID=alpine\nPRETTY_NAME=\"stand-in with the upstream kitten image's os-release name\"\n")}})
	push(e2e+"kitten:1.8", v1.Config{Cmd: []string{"sh"}}, bbl, kitten)
	if *extra != "" {
		// glibc-dns-testing: specs run "hostname -f", which must resolve
		// through glibc's NSS (/etc/hosts that kubelet writes). Here hostname
		// is Debian's dynamically linked busybox (from the agnhost extras,
		// whose sh also looks commands up in PATH), not the static one.
		glibc := layer([]file{{name: "bin/hostname", link: "/bin/busybox-dyn"},
			{name: "etc/nsswitch.conf", mode: 0o644, data: []byte("hosts: files dns\n")}})
		push(e2e+"glibc-dns-testing:2.1.1", v1.Config{Cmd: []string{"sh"}}, bbl, layer(dirFiles(*extra)), glibc)
	}
	if *nnp != "" {
		push(e2e+"nonewprivs:1.4", v1.Config{Entrypoint: []string{"/usr/local/bin/nnp"}, User: "1000"}, bbl,
			layer([]file{{name: "usr/local/", mode: 0o755}, {name: "usr/local/bin/", mode: 0o755}, {name: "usr/local/bin/nnp", mode: 0o4755, data: read(*nnp)}}))
	}
	pt, err := pause.RootfsTar(runtime.GOARCH)
	must(err)
	pl, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(pt)), nil })
	must(err)
	pcfg := v1.Config{Entrypoint: []string{pause.Entrypoint}, User: "65535:65535"}
	push("pause:3.10.2", pcfg, pl)
	push("pause:3.10.1", pcfg, pl)
	if *ready != "" {
		must(os.WriteFile(*ready, []byte(host+"\n"), 0o644))
	}
	fmt.Println("ready", host)
	select {}
}
GOEOF
}

images() { # the stand-in binaries and the registry program
	local img="$DIR/images" k
	mkdir -p "$img"
	k=$(cd "$MOD" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' k8s.io/kubernetes)
	if [ ! -x "$img/agnhost" ]; then
		log "building agnhost $(cat "$k/test/images/agnhost/VERSION")"
		(cd "$MOD" && GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 nice -n 10 \
			go build -trimpath -ldflags "-s -w" -o "$img/agnhost.tmp" k8s.io/kubernetes/test/images/agnhost)
		mv "$img/agnhost.tmp" "$img/agnhost"
	fi
	if [ ! -x "$img/nnp" ]; then
		(cd "$MOD" && CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "-s -w" -o "$img/nnp" "$k/test/images/nonewprivs/nnp.go")
	fi
	# The busybox stand-in: Debian's busybox-static rebuilt without Debian's
	# two debian-installer patches, so that its ash passes environment
	# variables like "data-1" on as upstream busybox does (the envFrom specs
	# print them with `sh -c env`); hack/build-busybox.sh.
	if [ ! -x "$BUSYBOX" ]; then
		log "building busybox (Debian's busybox-static, upstream ash environment)"
		bash "$REPO/hack/build-busybox.sh" "$BUSYBOX"
	fi
	mkdir -p "$img/porter"
	cp "$k/test/images/agnhost/porter/localhost.crt" "$k/test/images/agnhost/porter/localhost.key" "$img/porter/"
	local reg="$CACHE/registry"
	mkdir -p "$reg"
	registry_src >"$reg/main.go.new"
	if [ ! -x "$reg/nodee2e-registry" ] || ! cmp -s "$reg/main.go.new" "$reg/main.go"; then
		mv "$reg/main.go.new" "$reg/main.go"
		printf 'module dockercri-node-e2e-registry\n\ngo 1.26.0\n\nrequire github.com/dockercri/dockercri v0.0.0\n\nreplace github.com/dockercri/dockercri => %s\n' "$REPO" >"$reg/go.mod"
		cp "$REPO/go.sum" "$reg/go.sum"
		(cd "$reg" && GOFLAGS=-mod=mod go mod tidy && GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 10 go build -o nodee2e-registry.tmp . && mv nodee2e-registry.tmp nodee2e-registry)
	fi
	rm -f "$reg/main.go.new"
	# agnhost's upstream image is Alpine with curl, which hook and probe
	# specs run inside it; busybox has no curl, so the host's curl goes in
	# with its shared libraries at the same paths.
	local ex="$img/agnhost-extra" b lib
	# Likewise netcat-openbsd's nc (busybox's nc has no -u, which the UDP
	# networking specs use), unpacked from Debian's package, not installed.
	# busybox-static's sh is "standalone": it runs its own nc applet even
	# when /usr/bin/nc exists, so agnhost's /bin/sh is Debian's dynamically
	# linked busybox (hack/fetch-busybox.sh), which looks commands up in PATH.
	if [ ! -x "$ex/usr/bin/curl" ] || [ ! -x "$ex/usr/bin/nc" ] || [ ! -x "$ex/bin/busybox-dyn" ] || [ ! -x "$ex/bin/bash" ]; then
		rm -rf "$ex" "$img/busybox-dyn"
		bash "$REPO/hack/fetch-busybox.sh" "$img/busybox-dyn" >/dev/null
		mkdir -p "$ex/bin"
		(cd "$img/busybox-dyn" && find . -type f ! -path ./bin/busybox -exec cp --parents {} "$ex" \;)
		cp "$img/busybox-dyn/bin/busybox" "$ex/bin/busybox-dyn"
		ln -s busybox-dyn "$ex/bin/sh"
		local tmp
		tmp=$(mktemp -d)
		# and bash (upstream agnhost has it; probe specs run /bin/bash)
		(cd "$tmp" && { apt-get download netcat-openbsd bash-static >/dev/null 2>&1 ||
			{ apt-get update -qq && apt-get download netcat-openbsd bash-static >/dev/null; }; })
		dpkg-deb -x "$tmp"/netcat-openbsd_*.deb "$tmp/x"
		dpkg-deb -x "$tmp"/bash-static_*.deb "$tmp/x"
		mkdir -p "$ex/usr/bin"
		cp "$tmp/x/bin/nc.openbsd" "$ex/usr/bin/nc"
		cp "$tmp/x/bin/bash-static" "$ex/bin/bash"
		rm -rf "$tmp"
		for b in "$(command -v curl)" "$ex/usr/bin/nc"; do
			[ -x "$b" ] || { log "needs curl on the host (apt-get install curl)"; return 1; }
			case $b in "$ex"/*) ;; *)
				mkdir -p "$ex$(dirname "$b")"
				cp "$b" "$ex$b"
				;;
			esac
			ldd "$b" | awk '/=>/ {print $3; next} $1 ~ /^\// {print $1}' | while read -r lib; do
				[ -f "$lib" ] || { log "$b needs $lib, missing on the host"; continue; }
				mkdir -p "$ex$(dirname "$lib")"
				cp -L "$lib" "$ex$lib"
			done
		done
	fi
	[ -x /bin/busybox ] && /bin/busybox --list-full >/dev/null 2>&1 || {
		log "needs Debian's busybox-static (/bin/busybox): apt-get install busybox-static"
		return 1
	}
}

# start_containerd BIN REPORT starts BIN/containerd (ENGINE=next) on
# $RUNDIR/containerd/containerd.sock, root $STATE/containerd.
start_containerd() {
	local bin=$1 report=$2 sock="$RUNDIR/containerd/containerd.sock"
	mkdir -p "$RUNDIR/containerd" "$STATE/containerd"
	cat >"$RUNDIR/containerd.toml" <<EOF
version = 3
root = "$STATE/containerd"
state = "$RUNDIR/containerd/state"
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = "$RUNDIR/containerd/debug.sock"
EOF
	rm -f "$sock"
	PATH="$bin:$PATH" nohup "$bin/containerd" --config "$RUNDIR/containerd.toml" \
		>"$report/containerd.log" 2>&1 </dev/null &
	echo $! >"$RUNDIR/containerd.pid"
	for _ in $(seq 1 100); do [ -S "$sock" ] && return 0; alive "$RUNDIR/containerd.pid" || break; sleep 0.1; done
	tail -20 "$report/containerd.log" >&2
	return 1
}

teardown() {
	local rc=$?
	set +e
	log "tearing down"
	stoppid "$RUNDIR/e2e.pid" 10
	# kubelet as a transient unit (SYSTEMD_RUN): the suite stops it when it
	# ends normally; one this run started and left is stopped here.
	if [ -n "$SYSTEMD_RUN" ] && [ -f "$RUNDIR/units-before" ]; then
		local u
		for u in $(systemctl list-units --all --plain --no-legend 'kubelet-*.service' | awk '{print $1}' | grep -vxFf "$RUNDIR/units-before" -e /nonexistent/); do
			log "stopping leftover unit $u"
			systemctl stop "$u"
			systemctl reset-failed "$u" 2>/dev/null
		done
		rm -f "$RUNDIR/units-before"
	fi
	# kubelet and the services process are e2e_node.test's children; if the
	# suite died they may be left: find them by executable (this cache's
	# binaries only, so nobody else's), stop them by PID.
	local p x
	for x in e2e_node.test kubelet; do
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/exe" 2>/dev/null)" = "$BIN/$x" ] || continue
			log "stopping leftover $x ${p#/proc/}"
			kill "${p#/proc/}" 2>/dev/null
		done
	done
	sleep 2
	if [ -S "$DSOCK" ] && dk version >/dev/null 2>&1; then
		local ids
		ids=$(dk ps -aq)
		[ -n "$ids" ] && dk rm -f $ids >/dev/null
	fi
	if [ -f "/run/systemd/system/$RUNTIME_UNIT" ]; then
		systemctl stop "$RUNTIME_UNIT"
		rm -f "/run/systemd/system/$RUNTIME_UNIT"
		systemctl daemon-reload
	fi
	stoppid "$RUNDIR/dockercri.pid" 30
	rm -rf "${STATE:?}/dockercri" # checkpoints of the sandboxes removed above
	stoppid "$RUNDIR/dockerd.pid" 60
	stoppid "$RUNDIR/containerd.pid" 30
	stoppid "$RUNDIR/registry.pid" 10
	# kubelet's volume mounts (tmpfs for secrets, projected, emptyDir) and
	# the bind mount of /var/lib/kubelet onto itself
	if [ -d /var/lib/kubelet ]; then
		awk '$2 == "/var/lib/kubelet" || $2 ~ "^/var/lib/kubelet/" {print $2}' /proc/mounts | sort -r |
			while read -r m; do umount "$m" || umount -l "$m"; done
	fi
	# what kubelet created: directories that did not exist before the run,
	# and the run's pod log directories and links
	if [ -f "$RUNDIR/created" ]; then
		while read -r d; do rm -rf "$d"; done <"$RUNDIR/created"
		rm -f "$RUNDIR/created"
	fi
	for d in /var/log/pods /var/log/containers; do
		[ -f "$RUNDIR/before${d//\//_}" ] || continue
		ls -A "$d" 2>/dev/null | grep -vxFf "$RUNDIR/before${d//\//_}" | while read -r f; do rm -rf "${d:?}/$f"; done
	done
	for dir in -i -o; do
		while iptables -C FORWARD "$dir" "$BRIDGE" -j ACCEPT 2>/dev/null; do iptables -D FORWARD "$dir" "$BRIDGE" -j ACCEPT; done
	done
	ip link del "$BRIDGE" 2>/dev/null
	# the run's cgroups (kubepods under CGROUP_ROOT), emptied by now; with
	# CGROUP_ROOT=/ only the kubepods tree
	local sub=${CGROUP_ROOT#/}
	for c in /sys/fs/cgroup/*/"${sub:-kubepods}"; do
		[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	if [ -f "$RUNDIR/sysctls" ]; then
		while read -r k v; do
			[ "$(sysctl -n "$k")" = "$v" ] || { log "restoring $k=$v (was $(sysctl -n "$k"))"; sysctl -qw "$k=$v"; }
		done <"$RUNDIR/sysctls"
	fi
	log "done (exit $rc)"
	exit $rc
}

run() {
	if [ -n "${NODE_E2E_PREBUILT:-}" ]; then
		# A node without Go (the guest): everything was built by
		# "prepare" on the machine that shares it.
		local f
		for f in "$BIN/e2e_node.test" "$BIN/kubelet" "$BIN/ginkgo" "$BUSYBOX" "$DIR/images/agnhost" "$DIR/images/nnp" \
			"$CACHE/registry/nodee2e-registry" "$REPO/bin/dockercri"; do
			[ -x "$f" ] || { log "NODE_E2E_PREBUILT: $f missing (run \"$0 prepare\" where Go is)"; return 1; }
		done
	else
		build
		images
	fi
	local start=$SECONDS stamp
	stamp=$(date -u +%Y%m%d-%H%M%S)
	local report=${REPORT_DIR:-$REPO/bin/node-e2e/$stamp}
	local work="${NODE_E2E_WORKDIR:-$DIR/run}"
	mkdir -p "$report" "$RUNDIR/exec" "$STATE/docker" "$STATE/dockercri" "$work"
	if alive "$RUNDIR/dockerd.pid" || alive "$RUNDIR/containerd.pid" || alive "$RUNDIR/dockercri.pid" || alive "$RUNDIR/e2e.pid"; then
		log "a run is already going (pid files in $RUNDIR)"
		return 1
	fi
	[ -n "${NODE_E2E_PREBUILT:-}" ] || (cd "$REPO" && nice -n 10 make build >/dev/null)
	# kubelet units already there before this run are not this run's.
	[ -z "$SYSTEMD_RUN" ] || systemctl list-units --all --plain --no-legend 'kubelet-*.service' | awk '{print $1}' >"$RUNDIR/units-before"
	trap teardown EXIT
	trap 'exit 130' INT TERM
	for k in $SYSCTLS; do echo "$k $(sysctl -n "$k")"; done >"$RUNDIR/sysctls"
	: >"$RUNDIR/created"
	for d in /var/lib/kubelet /usr/libexec/kubernetes /var/log/pods /var/log/containers; do
		[ -e "$d" ] || echo "$d" >>"$RUNDIR/created"
	done
	for d in /var/log/pods /var/log/containers; do
		ls -A "$d" 2>/dev/null >"$RUNDIR/before${d//\//_}" || true
		# an empty list would match everything in grep -vxFf
		echo "/nonexistent/" >>"$RUNDIR/before${d//\//_}"
	done

	# 1. the private dockerd
	if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
		ip link add "$BRIDGE" type bridge
		ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
		ip link set "$BRIDGE" up
	fi
	for dir in -i -o; do
		iptables -C FORWARD "$dir" "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -I FORWARD 1 "$dir" "$BRIDGE" -j ACCEPT
	done
	# ENGINE=next: the current Docker (hack/engine-next.sh's build: dockerd
	# 29 with the containerd image store, containerd 2, runc) with a
	# containerd of its own and its own data root, so the image store is
	# containerd's and not a graph driver's left by a 20.10 run.
	local dockerd=dockerd engine_path=$PATH data_root="$STATE/docker" engine_flags=()
	if [ "$ENGINE" = next ]; then
		"$REPO/hack/engine-next.sh" build >&2
		local nbin
		nbin=$("$REPO/hack/engine-next.sh" bin)
		start_containerd "$nbin" "$report"
		dockerd="$nbin/dockerd" engine_path="$nbin:$PATH" data_root="$STATE/docker-next"
		engine_flags=(--containerd "$RUNDIR/containerd/containerd.sock")
		ENGINE_CONTAINERD_ROOT="$STATE/containerd" # where ImageFsInfo finds the snapshots
	fi
	mkdir -p "$data_root"
	rm -f "$DSOCK" "$RUNDIR/dockerd.pid.engine"
	PATH="$engine_path" nohup "$dockerd" --host "unix://$DSOCK" --data-root "$data_root" --exec-root "$RUNDIR/exec" \
		--pidfile "$RUNDIR/dockerd.pid.engine" --bridge "$BRIDGE" "${engine_flags[@]}" \
		--iptables=false --ip6tables=false --ip-masq=false --userland-proxy=false \
		--containerd-namespace dcri-node-e2e --containerd-plugins-namespace dcri-node-e2e-plugins \
		--exec-opt native.cgroupdriver="$CGROUP_DRIVER" --add-runtime test-handler=runc \
		>"$report/dockerd.log" 2>&1 </dev/null &
	echo $! >"$RUNDIR/dockerd.pid"
	for _ in $(seq 1 240); do dk version >/dev/null 2>&1 && break; alive "$RUNDIR/dockerd.pid" || break; sleep 0.5; done
	dk version >/dev/null || { tail -20 "$report/dockerd.log" >&2; return 1; }
	log "dockerd $(dk version --format '{{.Server.Version}}') on unix://$DSOCK"
	# Images left in the data root by an earlier run may be older builds of
	# the stand-ins (pods pull IfNotPresent): start from none.
	local imgs
	imgs=$(dk images -q | sort -u)
	[ -z "$imgs" ] || dk rmi -f $imgs >/dev/null

	# 2. the registry with the stand-in images
	rm -f "$RUNDIR/registry.addr"
	nohup "$CACHE/registry/nodee2e-registry" -addr 127.0.0.1:0 -busybox "$BUSYBOX" \
		-agnhost "$DIR/images/agnhost" -nonewprivs "$DIR/images/nnp" -porter-dir "$DIR/images/porter" \
		-agnhost-extra "$DIR/images/agnhost-extra" \
		-ready-file "$RUNDIR/registry.addr" >"$report/registry.log" 2>&1 </dev/null &
	echo $! >"$RUNDIR/registry.pid"
	for _ in $(seq 1 300); do [ -s "$RUNDIR/registry.addr" ] && break; alive "$RUNDIR/registry.pid" || break; sleep 0.2; done
	[ -s "$RUNDIR/registry.addr" ] || { cat "$report/registry.log" >&2; return 1; }
	local regaddr
	regaddr=$(cat "$RUNDIR/registry.addr")
	log "registry on $regaddr"

	# kubelet wants its cgroupRoot to exist in every hierarchy (cgroup v1);
	# cpuset needs cpus and mems before anything can join it.
	local c
	[ "$CGROUP_ROOT" = / ] || for c in /sys/fs/cgroup/*/; do
		[ -f "$c/cgroup.procs" ] && [ ! -f "$c/cgroup.controllers" ] || continue
		mkdir -p "$c${CGROUP_ROOT#/}"
		if [ -f "$c/cpuset.cpus" ]; then
			cat "$c/cpuset.cpus" >"$c${CGROUP_ROOT#/}/cpuset.cpus"
			cat "$c/cpuset.mems" >"$c${CGROUP_ROOT#/}/cpuset.mems"
		fi
	done

	# 3. the kubelet config (the suite adds its own fields on top)
	cat >"$work/kubelet-base.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: $CGROUP_DRIVER
cgroupRoot: $CGROUP_ROOT
podCIDR: 10.100.0.0/24
volumeStatsAggPeriod: 10s
fileCheckFrequency: 10s
serializeImagePulls: false
evictionPressureTransitionPeriod: 30s
evictionHard:
  memory.available: "1Mi"
  nodefs.available: "1%"
  nodefs.inodesFree: "1%"
  imagefs.available: "1%"
  imagefs.inodesFree: "1%"
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
EOF

	# 4. dockercri
	rm -f "$CSOCK" "$RUNDIR/dockercri.pid"
	local crid=("$REPO/bin/dockercri" --container-runtime-endpoint "unix://$CSOCK"
		--docker-endpoint "unix://$DSOCK" --root-directory "$STATE/dockercri"
		--network-plugin= --kubelet-config "$work/kubelet-base.yaml"
		--registry-mirror "registry.k8s.io=$regaddr" --registry-mirror "docker.io=$regaddr"
		${ENGINE_CONTAINERD_ROOT:+--containerd-root "$ENGINE_CONTAINERD_ROOT"}
		--log-level "${DOCKERCRI_LOG_LEVEL:-debug}")
	if [ -n "$SYSTEMD_RUN" ]; then
		# A unit file under /run (gone at reboot, removed at teardown), not
		# a transient unit: a stopped transient unit cannot be started again.
		# The pid file has no newline, which the suite's reader refuses.
		cat >"/run/systemd/system/$RUNTIME_UNIT" <<EOF
[Unit]
Description=dockercri for hack/node-e2e.sh run (removed when the run ends)
[Service]
ExecStart=${crid[*]}
ExecStartPost=/bin/sh -c 'printf %%s "\$\$MAINPID" >$RUNDIR/dockercri.pid'
StandardOutput=append:$report/dockercri.log
StandardError=inherit
EOF
		systemctl daemon-reload
		systemctl start "$RUNTIME_UNIT"
	else
		nohup "${crid[@]}" >"$report/dockercri.log" 2>&1 </dev/null &
		echo $! >"$RUNDIR/dockercri.pid"
	fi
	for _ in $(seq 1 100); do [ -S "$CSOCK" ] && break; alive "$RUNDIR/dockercri.pid" || break; sleep 0.1; done
	[ -S "$CSOCK" ] || { tail -20 "$report/dockercri.log" >&2; return 1; }
	log "dockercri on unix://$CSOCK"

	# 5. PATH without systemd-run (PID 1 is not systemd here) or journalctl
	local path="$work/path" d f
	rm -rf "$path"
	mkdir -p "$path"
	for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
		for f in "$d"/*; do
			case ${f##*/} in systemd-run | journalctl) [ -n "$SYSTEMD_RUN" ] || continue ;; esac
			[ -e "$path/${f##*/}" ] || ln -s "$f" "$path/${f##*/}"
		done
	done

	# 6. the suite
	local skip=$SKIP
	if [ -z "${NODE_E2E_NO_SKIP_FILE:-}" ] && [ -f "$REPO/e2e/node_e2e_skip.txt" ]; then
		local extra
		extra=$(grep -v '^[[:space:]]*#' "$REPO/e2e/node_e2e_skip.txt" | sed '/^[[:space:]]*$/d' | paste -sd'|')
		[ -n "$extra" ] && skip="${skip:+$skip|}$extra"
	fi
	# These specs look for kubepods right under the root cgroup
	# (cm.RootCgroupName), whatever kubelet's cgroupRoot says.
	if [ "$CGROUP_ROOT" != / ]; then
		skip="${skip:+$skip|}Kubelet Cgroup Manager"
	fi
	log "focus: $FOCUS"
	log "skip:  $skip"
	log "report: $report"
	cd "$work"
	rm -rf "$work"/static-pods* "$work/kubelet.conf.d"
	local rc=0
	set +e
	# kubelet's cAdvisor has no Docker handler: it cannot label dockercri's
	# containers, so pod and container stats and /metrics/cadvisor come
	# from CRI (ListPodSandboxStats, ListPodSandboxMetrics), which dockercri
	# serves. FEATURE_GATES overrides (empty: kubelet's defaults).
	local gates=${FEATURE_GATES-PodAndContainerStatsFromCRI=true}
	local suite=(--report-dir="$report" --prepull-images=false ${gates:+--feature-gates="$gates"}
		--container-runtime-endpoint="unix://$CSOCK" --image-service-endpoint="unix://$CSOCK"
		--container-runtime-process-name=dockercri --container-runtime-pid-file="$RUNDIR/dockercri.pid"
		--node-name="$(hostname)" --dns-domain=cluster.local
		--kubelet-config-file="$work/kubelet-base.yaml"
		--kubelet-flags="--cluster-domain=cluster.local $KUBELET_CGROUP_FLAGS"
		"$@")
	if [ "${PROCS:-1}" -gt 1 ]; then
		# ginkgo's CLI runs PROCS copies; process 1 starts the services.
		PATH="$path" "$BIN/ginkgo" --procs="$PROCS" --no-color -v \
			--focus="$FOCUS" ${skip:+--skip="$skip"} --timeout="${TIMEOUT:-50m}" \
			--output-dir="$report" --junit-report=junit.xml --json-report=report.json \
			"$BIN/e2e_node.test" -- "${suite[@]}" >"$report/e2e.log" 2>&1 &
	else
		PATH="$path" "$BIN/e2e_node.test" --ginkgo.no-color --ginkgo.v \
			--ginkgo.focus="$FOCUS" ${skip:+--ginkgo.skip="$skip"} \
			--ginkgo.timeout="${TIMEOUT:-50m}" \
			--ginkgo.junit-report="$report/junit.xml" --ginkgo.json-report="$report/report.json" \
			"${suite[@]}" >"$report/e2e.log" 2>&1 &
	fi
	echo $! >"$RUNDIR/e2e.pid"
	wait $! || rc=$?
	set -e
	rm -f "$RUNDIR/e2e.pid"
	log "e2e_node.test exit $rc after $((SECONDS - start))s; $(grep -E '^(Ran|PASS|FAIL)' "$report/e2e.log" | tr '\n' ' ')"
	tail -n 40 "$report/e2e.log" | grep -E 'Ran [0-9]+|Passed|\[FAIL\]' >&2 || true
	if [ -f "$report/junit.xml" ]; then
		log "summary: $(summary "$report/junit.xml") in $((SECONDS - start))s; JUnit: $report/junit.xml"
		grep -o '<testcase name="\[It\][^"]*" classname="[^"]*" status="\(failed\|panicked\|timedout\|interrupted\|aborted\)"' "$report/junit.xml" |
			sed 's/^<testcase name="\[It\] \(.*\)" classname=.*status="\(.*\)"$/  \2: \1/' >&2 || true
	fi
	return $rc
}

# summary JUNIT prints one line of counts from ginkgo's JUnit report: specs
# selected (passed, failed, skipped by the spec itself, e.g. a runtime feature
# the runtime says it lacks) and specs not selected by FOCUS/SKIP. Suite
# nodes (BeforeSuite, ...) that failed are counted apart.
summary() {
	awk '
	/<testcase / {
		spec = index($0, "<testcase name=\"[It]") > 0
		st = $0; sub(/.*status="/, "", st); sub(/".*/, "", st)
		if (!spec) { if (st != "passed" && st != "skipped") suite++; next }
		if (st == "passed") passed++
		else if (st == "skipped") pending = 1
		else failed++
		next
	}
	pending && /<skipped message="skipped - / { selfskip++; pending = 0; next }
	pending && /<skipped / { filtered++; pending = 0; next }
	END {
		printf "%d specs selected: %d passed, %d failed, %d skipped themselves; %d not selected", passed + failed + selfskip, passed, failed, selfskip, filtered
		if (suite) printf "; %d suite node(s) failed", suite
	}' "$1"
}

# main is called on the last line, so bash has read the whole file before
# anything runs (editing the script during a run cannot change it).
main() {
	case "${1:-}" in
	build) build ;;
	prepare)
		# Everything "run" needs, built here, for a node without Go.
		build
		images
		(cd "$REPO" && nice -n 10 make build >/dev/null)
		;;
	bin) echo "$BIN" ;;
	summary) echo "$(summary "$2")" ;;
	dry-run)
		shift
		dryrun "$@"
		;;
	run)
		shift
		run "$@"
		;;
	*)
		echo "usage: $0 build|prepare|bin|dry-run|run|summary JUNIT" >&2
		exit 2
		;;
	esac
}
main "$@"; exit $?
