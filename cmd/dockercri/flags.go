package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dockercri/dockercri/pause"
)

type options struct {
	endpoint             string
	dockerEndpoint       string
	rootDir              string
	sandboxImage         string
	streamingAddr        string
	networkPlugin        string
	cniConfDir           string
	cniBinDir            string
	cniCacheDir          string
	networkMTU           int
	requestTimeout       time.Duration
	pullProgressDeadline time.Duration
	logLevel             string
	logFormat            string
	debugAddr            string
	metricsAddr          string
	mirrors              mirrorFlag
	containerdRoot       string
	socketGroup          string
	kubeletConfig        string
	dockerLogMaxSize     string
	dockerLogMaxFile     int
	showVersion          bool
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("dockercri", flag.ContinueOnError)
	fs.StringVar(&o.endpoint, "container-runtime-endpoint", "unix:///run/dockercri.sock", "CRI socket to serve (unix://PATH)")
	fs.StringVar(&o.dockerEndpoint, "docker-endpoint", "", "Docker Engine endpoint (default: $DOCKER_HOST, else unix:///var/run/docker.sock)")
	fs.StringVar(&o.rootDir, "root-directory", "/var/lib/dockercri", "directory for dockercri's state (sandbox checkpoints)")
	fs.StringVar(&o.rootDir, "cri-dockerd-root-directory", "/var/lib/dockercri", "alias of --root-directory")
	fs.StringVar(&o.sandboxImage, "pod-infra-container-image", pause.DefaultImage, "sandbox (pause) image; the default is built locally, never pulled")
	fs.StringVar(&o.streamingAddr, "streaming-bind-addr", "127.0.0.1:0", "address of the exec/attach/port-forward server")
	fs.StringVar(&o.networkPlugin, "network-plugin", "cni", "pod networking: cni, or empty for Docker's bridge network")
	fs.StringVar(&o.cniConfDir, "cni-conf-dir", "/etc/cni/net.d", "CNI network configs (the first by file name is used)")
	fs.StringVar(&o.cniBinDir, "cni-bin-dir", "/opt/cni/bin", "CNI plugin binaries (colon-separated list of directories)")
	fs.StringVar(&o.cniCacheDir, "cni-cache-dir", "/var/lib/cni/cache", "CNI result cache")
	fs.IntVar(&o.networkMTU, "network-plugin-mtu", 0, "accepted for cri-dockerd compatibility; CNI plugins take the MTU from their own config")
	fs.DurationVar(&o.requestTimeout, "runtime-request-timeout", 2*time.Minute, "timeout of a CRI request (except pulls and stops)")
	fs.DurationVar(&o.pullProgressDeadline, "image-pull-progress-deadline", time.Minute, "cancel a pull that reports no progress for this long")
	fs.StringVar(&o.logLevel, "log-level", "info", "trace, debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "text", "text or json")
	fs.StringVar(&o.dockerLogMaxSize, "docker-log-max-size", "10m", "max-size of Docker's own json-file copy of container logs")
	fs.IntVar(&o.dockerLogMaxFile, "docker-log-max-file", 3, "max-file of Docker's own json-file copy of container logs")
	fs.StringVar(&o.kubeletConfig, "kubelet-config", "/var/lib/kubelet/config.yaml", "kubelet's config file, read only to warn when its cgroup driver differs from Docker's")
	fs.StringVar(&o.socketGroup, "socket-group", "", "group (name or gid) owning the CRI socket, which is mode 0660")
	fs.StringVar(&o.containerdRoot, "containerd-root", "/var/lib/containerd", "containerd's root directory, where Docker's containerd image store keeps images (learned from running containers when they show another)")
	fs.Var(&o.mirrors, "registry-mirror", "REGISTRY=MIRROR: pull images of REGISTRY (e.g. gcr.io) from MIRROR (host[:port]) and tag them with their own name; repeatable")
	fs.StringVar(&o.metricsAddr, "metrics-bind-addr", "", "serve Prometheus /metrics and /healthz here (off when empty; a bare port binds loopback)")
	fs.StringVar(&o.debugAddr, "debug-addr", "", "serve Go's pprof profiles on this address (host:port; off when empty)")
	fs.BoolVar(&o.showVersion, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.networkPlugin != "" && o.networkPlugin != "cni" {
		return nil, fmt.Errorf("--network-plugin=%q: must be cni, or empty for Docker's bridge network", o.networkPlugin)
	}
	if o.dockerEndpoint == "" && os.Getenv("DOCKER_HOST") == "" {
		o.dockerEndpoint = "unix:///var/run/docker.sock"
	}
	return o, nil
}

// mirrorFlag collects --registry-mirror REGISTRY=MIRROR values.
type mirrorFlag struct{ m map[string]string }

func (f *mirrorFlag) String() string { return fmt.Sprint(f.m) }

func (f *mirrorFlag) Set(v string) error {
	reg, mirror, ok := strings.Cut(v, "=")
	if !ok || reg == "" || mirror == "" || strings.Contains(mirror, "/") {
		return fmt.Errorf("%q: want REGISTRY=MIRROR, MIRROR a host[:port]", v)
	}
	if f.m == nil {
		f.m = map[string]string{}
	}
	f.m[reg] = mirror
	return nil
}

// dockerSocketPath is the unix socket path of the Docker endpoint (the
// flag, else $DOCKER_HOST), "" for any other kind of endpoint.
func dockerSocketPath(endpoint string) string {
	if endpoint == "" {
		endpoint = os.Getenv("DOCKER_HOST")
	}
	p, ok := strings.CutPrefix(endpoint, "unix://")
	if !ok {
		return ""
	}
	return p
}
