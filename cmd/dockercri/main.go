// Command dockercri serves the Kubernetes CRI (runtime.v1) on a unix socket
// and runs pods on Docker Engine. This file holds flags and wiring only.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/dockercri/dockercri/containerlog"
	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/hostprobe"
	"github.com/dockercri/dockercri/metrics"
	"github.com/dockercri/dockercri/network"
	"github.com/dockercri/dockercri/pause"
	"github.com/dockercri/dockercri/shim"
	"github.com/dockercri/dockercri/streaming"
	"github.com/dockercri/dockercri/translate"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

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
	socketGroup          string
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
	fs.StringVar(&o.socketGroup, "socket-group", "", "group (name or gid) owning the CRI socket, which is mode 0660")
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

func setupLogging(o *options) error {
	lvl, err := logrus.ParseLevel(o.logLevel)
	if err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logrus.SetLevel(lvl)
	logrus.SetOutput(os.Stderr)
	switch o.logFormat {
	case "text":
		logrus.SetFormatter(&logrus.TextFormatter{FullTimestamp: true, TimestampFormat: time.RFC3339Nano})
	case "json":
		logrus.SetFormatter(&logrus.JSONFormatter{TimestampFormat: time.RFC3339Nano})
	default:
		return fmt.Errorf("--log-format %q: must be text or json", o.logFormat)
	}
	return nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err == flag.ErrHelp {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dockercri:", err)
		os.Exit(2)
	}
	if o.showVersion {
		fmt.Println("dockercri", version)
		return
	}
	if err := setupLogging(o); err != nil {
		fmt.Fprintln(os.Stderr, "dockercri:", err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		logrus.WithError(err).Error("dockercri stopped")
		os.Exit(1)
	}
}

func run(o *options) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	engine, err := docker.New(o.dockerEndpoint, func(next http.RoundTripper) http.RoundTripper {
		return metrics.Transport{Next: next}
	})
	if err != nil {
		return err
	}
	defer engine.Close()

	minOOM, err := hostprobe.MinOOMScoreAdj()
	if err != nil {
		return err
	}
	if minOOM > -1000 {
		logrus.WithField("min", minOOM).Warn("this host refuses oom_score_adj below its current value (no CAP_SYS_RESOURCE); lower requested values are clamped")
	}
	missingCaps, err := hostprobe.MissingCapabilities()
	if err != nil {
		return err
	}
	if len(missingCaps) > 0 {
		logrus.WithField("missing", missingCaps).Warn("the capability bounding set lacks capabilities: privileged containers and adding those capabilities are refused with FailedPrecondition")
	}
	rootDir, err := filepath.Abs(o.rootDir)
	if err != nil {
		return err
	}
	svc, err := shim.New(shim.Config{
		RootDir:              rootDir,
		SandboxImage:         o.sandboxImage,
		BuiltinSandboxImage:  pause.DefaultImage,
		NetworkMode:          networkMode(o.networkPlugin),
		PullProgressDeadline: o.pullProgressDeadline,
		Version:              version,
		DockerLog:            translate.DockerLogLimits{MaxSize: o.dockerLogMaxSize, MaxFile: o.dockerLogMaxFile},
		RegistryMirrors:      o.mirrors.m,
	}, engine, translate.HostLimits{CgroupDriver: "cgroupfs", MinOOMScoreAdj: minOOM, MissingCaps: missingCaps})
	if err != nil {
		return err
	}
	if o.networkPlugin == "cni" {
		svc.SetNetworkPlugin(network.NewCNI(network.Options{
			ConfDir: o.cniConfDir, BinDirs: filepath.SplitList(o.cniBinDir), CacheDir: o.cniCacheDir,
		}))
		if o.networkMTU != 0 {
			logrus.Warn("--network-plugin-mtu is not used with CNI: set the MTU in the CNI network config")
		}
	}
	logs, err := containerlog.NewManager(engine, filepath.Join(rootDir, "logs"))
	if err != nil {
		return err
	}
	defer logs.Close()
	svc.SetLogManager(logs)
	defer svc.Close()
	startCtx, cancel := context.WithTimeout(ctx, o.requestTimeout)
	svc.Start(startCtx)
	cancel()

	if o.metricsAddr != "" {
		addr, err := metrics.Serve(ctx, o.metricsAddr, engine.Ping)
		if err != nil {
			return fmt.Errorf("--metrics-bind-addr: %w", err)
		}
		logrus.WithField("addr", addr).Info("metrics server listening")
	}
	if o.debugAddr != "" {
		addr, err := serveDebug(o.debugAddr)
		if err != nil {
			return err
		}
		logrus.WithField("addr", addr).Info("pprof debug server listening")
	}
	streams, err := streaming.NewServer(o.streamingAddr, streaming.NewRuntime(engine))
	if err != nil {
		return err
	}
	go func() {
		if err := streams.Serve(); err != nil {
			logrus.WithError(err).Error("streaming server stopped")
		}
	}()
	defer streams.Shutdown(context.Background())
	svc.SetStreamServer(streams)

	l, err := shim.ActivatedListener()
	if err != nil {
		return err
	}
	if l == nil {
		if l, err = shim.Listen(o.endpoint); err != nil {
			return err
		}
		if err := shim.ChownSocket(l.Addr().String(), o.socketGroup); err != nil {
			l.Close()
			return err
		}
	}
	if err := shim.NotifyReady(); err != nil {
		logrus.WithError(err).Warn("systemd readiness notification failed")
	}
	logrus.WithFields(logrus.Fields{"endpoint": o.endpoint, "docker": o.dockerEndpoint, "streaming": streams.Addr(), "version": version}).Info("dockercri serving CRI")
	return shim.Serve(ctx, shim.NewGRPCServer(svc, o.requestTimeout), l, 30*time.Second)
}

// networkMode is the Docker network of non-host-network sandboxes: none
// when CNI sets them up, Docker's bridge otherwise.
func networkMode(plugin string) string {
	if plugin == "cni" {
		return "none"
	}
	return "bridge"
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
