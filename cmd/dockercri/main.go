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
	"github.com/dockercri/dockercri/store"
	"github.com/dockercri/dockercri/streaming"
	"github.com/dockercri/dockercri/translate"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

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

	// Stats read containers' cgroups through /proc: refuse to run blind.
	if err := hostprobe.ProcessView("/proc", dockerSocketPath(o.dockerEndpoint)); err != nil {
		return err
	}
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
	// Everything the service is built on comes first: nothing is wired
	// into it afterwards.
	var cni shim.NetworkPlugin
	if o.networkPlugin == "cni" {
		cni = network.NewCNI(network.Options{
			ConfDir: o.cniConfDir, BinDirs: filepath.SplitList(o.cniBinDir), CacheDir: o.cniCacheDir,
		})
		if o.networkMTU != 0 {
			logrus.Warn("--network-plugin-mtu is not used with CNI: set the MTU in the CNI network config")
		}
	}
	containers := store.NewContainers()
	logs, err := containerlog.NewManager(shim.NewLogEngine(engine, containers), filepath.Join(rootDir, "logs"))
	if err != nil {
		return err
	}
	defer logs.Close()
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
	svc, err := shim.New(shim.Config{
		RootDir:              rootDir,
		SandboxImage:         o.sandboxImage,
		BuiltinSandboxImage:  pause.DefaultImage,
		NetworkMode:          networkMode(o.networkPlugin),
		PullProgressDeadline: o.pullProgressDeadline,
		Version:              version,
		DockerLog:            translate.DockerLogLimits{MaxSize: o.dockerLogMaxSize, MaxFile: o.dockerLogMaxFile},
		RegistryMirrors:      o.mirrors.m,
		ContainerdRoot:       o.containerdRoot,
	}, shim.Deps{
		Engine: engine,
		Host: translate.HostLimits{
			CgroupDriver: "cgroupfs", MinOOMScoreAdj: minOOM, MissingCaps: missingCaps,
			KernelRRO: hostprobe.KernelRecursiveReadOnly(),
		},
		Containers: containers, Network: cni, Streams: streams, Logs: logs,
	})
	if err != nil {
		return err
	}
	defer svc.Close()
	startCtx, cancel := context.WithTimeout(ctx, o.requestTimeout)
	svc.Start(startCtx)
	cancel()
	warnCgroupDriverMismatch(o.kubeletConfig, svc.CgroupDriver())

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

	l, err := activatedListener()
	if err != nil {
		return err
	}
	if l == nil {
		if l, err = listen(o.endpoint); err != nil {
			return err
		}
		if err := chownSocket(l.Addr().String(), o.socketGroup); err != nil {
			l.Close()
			return err
		}
	}
	if err := notifyReady(); err != nil {
		logrus.WithError(err).Warn("systemd readiness notification failed")
	}
	logrus.WithFields(logrus.Fields{"endpoint": o.endpoint, "docker": o.dockerEndpoint, "streaming": streams.Addr(), "version": version}).Info("dockercri serving CRI")
	return serve(ctx, shim.NewGRPCServer(svc, o.requestTimeout), l, 30*time.Second)
}

// networkMode is the Docker network of non-host-network sandboxes: none
// when CNI sets them up, Docker's bridge otherwise.
func networkMode(plugin string) string {
	if plugin == "cni" {
		return "none"
	}
	return "bridge"
}

// warnCgroupDriverMismatch explains, once at start-up, a kubelet whose
// cgroup driver differs from Docker's: pods would land in cgroups kubelet
// does not account.
func warnCgroupDriverMismatch(kubeletConfig, docker string) {
	kubelet, err := hostprobe.KubeletCgroupDriver(kubeletConfig)
	if err != nil {
		logrus.WithError(err).Debug("kubelet config not read")
		return
	}
	if kubelet != "" && docker != "" && kubelet != docker {
		logrus.WithFields(logrus.Fields{"kubelet": kubelet, "docker": docker, "config": kubeletConfig}).
			Warn("kubelet's cgroupDriver differs from Docker's: set cgroupDriver: " + docker + " in the kubelet config (or change Docker's exec-opts native.cgroupdriver), else pod cgroups will not be where kubelet expects them")
	}
}
