// Package shim serves the CRI RuntimeService and ImageService on top of
// Docker Engine. One gRPC boundary (interceptor.go) logs, recovers and maps
// errors to codes; each RPC lives in its own <noun>_<verb>.go file.
package shim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/containerlog"
	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/internal/owner"
	"github.com/dockercri/dockercri/stats"
	"github.com/dockercri/dockercri/store"
	"github.com/dockercri/dockercri/translate"
)

// Config is the daemon's configuration as the shim needs it.
type Config struct {
	// RootDir holds dockercri's state (sandbox checkpoints).
	RootDir string
	// SandboxImage is the pod infra ("pause") image.
	SandboxImage string
	// BuiltinSandboxImage is the image dockercri can create by itself.
	BuiltinSandboxImage string
	// NetworkMode is the Docker network of non-host-network sandboxes.
	NetworkMode string
	// PullProgressDeadline cancels a pull that reports no progress for so long.
	PullProgressDeadline time.Duration
	// Version is dockercri's version string.
	Version string
	// DockerLog bounds Docker's own copy of container logs.
	DockerLog translate.DockerLogLimits
	// ContainerdRoot is containerd's root directory, where the containerd
	// image store keeps images and writable layers (used until a running
	// container shows where they really are).
	ContainerdRoot string
	// RegistryMirrors maps a registry host to a host[:port] serving the
	// same repositories (air-gapped nodes, local caches).
	RegistryMirrors map[string]string
	// SecurityFS is where securityfs is mounted ("" is
	// /sys/kernel/security): the loaded AppArmor profiles are read there.
	SecurityFS string
}

// Service implements runtimeapi.RuntimeServiceServer and
// runtimeapi.ImageServiceServer.
type Service struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	runtimeapi.UnimplementedImageServiceServer

	cfg         Config
	engine      docker.Engine
	host        translate.HostLimits
	checkpoints *store.Checkpoints
	names       *registrar
	// pods orders the calls on one pod: container creates and removes
	// share its lock, StopPodSandbox and RemovePodSandbox hold it alone.
	pods     *keyedLock
	imgCache imageCache
	imgUsage imageUsage

	mu             sync.Mutex
	podCIDR        string
	sandboxImageID string // for `pinned`
	runtimes       []string
	streams        StreamServer          // nil: Exec, Attach, PortForward are Unavailable
	logs           *containerlog.Manager // nil: no CRI log files are written
	net            NetworkPlugin         // nil: Docker's own network
	stats          *statsCollector
	events         eventHub
	// containers is the store of Docker's CRI sandboxes and containers.
	containers    *store.Containers
	dockerRootDir string

	// startedAt is when this process started: start-up reconciliation
	// settles only what is older (what a predecessor left).
	startedAt   time.Time
	startupMu   sync.Mutex
	startupDone bool

	// bg owns every goroutine the service starts (the event watcher,
	// late start-up work, refreshes); Close stops it and waits for them.
	bg *owner.Group
}

// Deps are what the service is built on; everything is wired at
// construction, nothing after.
type Deps struct {
	Engine docker.Engine
	// Host carries the facts probed at start-up.
	Host translate.HostLimits
	// Containers is the container store (shared with the log engine the
	// log manager was built on, see NewLogEngine); nil makes a new one.
	Containers *store.Containers
	// Network is the CNI plugin; nil uses Docker's own network.
	Network NetworkPlugin
	// Streams serves exec, attach and port-forward; nil makes those calls
	// Unavailable.
	Streams StreamServer
	// Logs writes kubelet's CRI log files; nil writes none.
	Logs *containerlog.Manager
	// Cgroups reads cgroups and /proc for stats and OOM watches; nil reads
	// the host's (/sys/fs/cgroup, /proc).
	Cgroups *stats.Reader
}

// New builds the service.
func New(cfg Config, deps Deps) (*Service, error) {
	cps, err := store.NewCheckpoints(cfg.RootDir)
	if err != nil {
		return nil, err
	}
	containers := deps.Containers
	if containers == nil {
		containers = store.NewContainers()
	}
	return &Service{
		cfg: cfg, engine: deps.Engine, host: deps.Host, containers: containers,
		net: deps.Network, streams: deps.Streams, logs: deps.Logs,
		checkpoints: cps, names: newRegistrar(), pods: newKeyedLock(),
		stats: newStatsCollector(containers, deps.Cgroups), bg: owner.New(context.Background()),
		startedAt: time.Now(),
	}, nil
}

// Start launches the event watcher and does the start-up work that needs
// the engine (engineStartup). Failures are logged, not fatal: dockercri
// must come up while dockerd is down; the work then runs as soon as the
// watcher reaches dockerd.
func (s *Service) Start(ctx context.Context) {
	s.bg.Go(s.watchEvents)
	if err := s.engineStartup(ctx); err != nil {
		logrus.WithField("phase", "startup").WithError(err).Warn("docker engine not reachable yet; the start-up work runs when it answers")
	}
}

// engineStartupTimeout bounds the start-up work when it runs late.
const engineStartupTimeout = 2 * time.Minute

// engineStartup records Docker's cgroup driver and runtimes, makes sure
// the sandbox image exists, settles what a killed predecessor left
// (reconcile) and resumes the CRI log followers and OOM watches. It runs once to the end:
// a call after it succeeded does nothing; one that failed is retried by
// the next (every event-stream connection tries).
func (s *Service) engineStartup(ctx context.Context) error {
	s.startupMu.Lock()
	defer s.startupMu.Unlock()
	if s.startupDone {
		return nil
	}
	log := logrus.WithField("phase", "startup")
	if err := s.refreshEngineFacts(ctx); err != nil {
		return err
	}
	if err := s.ensureSandboxImage(ctx); err != nil {
		log.WithError(err).Warn("sandbox image not ready yet")
	}
	if err := s.reconcile(ctx); err != nil {
		return fmt.Errorf("start-up reconciliation: %w", err)
	}
	if err := s.resumeContainers(ctx); err != nil {
		return fmt.Errorf("resuming container logs and OOM watches: %w", err)
	}
	s.startupDone = true
	return nil
}

// engineStartupPending reports whether engineStartup has yet to succeed.
func (s *Service) engineStartupPending() bool {
	s.startupMu.Lock()
	defer s.startupMu.Unlock()
	return !s.startupDone
}

// lateEngineStartup runs engineStartup in the background after dockerd
// became reachable later than dockercri started.
func (s *Service) lateEngineStartup() {
	if !s.engineStartupPending() {
		return
	}
	s.bg.Go(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, engineStartupTimeout)
		defer cancel()
		if err := s.engineStartup(ctx); err != nil {
			logrus.WithField("phase", "startup").WithError(err).Warn("start-up work failed; retried on the next docker connection")
			return
		}
		logrus.WithField("phase", "startup").Info("docker engine reachable: start-up work done")
	})
}

// refreshEngineFacts reads docker version and docker info: what the engine
// can do (translate.EngineFeaturesOf), cgroup driver and runtimes.
func (s *Service) refreshEngineFacts(ctx context.Context) error {
	info, err := s.engine.Info(ctx)
	if err != nil {
		return err
	}
	v, err := s.engine.Version(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.host.Engine = translate.EngineFeaturesOf(v, info, s.host.KernelRRO)
	s.dockerRootDir = info.DockerRootDir
	if info.CgroupDriver != "" {
		s.host.CgroupDriver = info.CgroupDriver
	}
	s.runtimes = s.runtimes[:0]
	for name := range info.Runtimes {
		s.runtimes = append(s.runtimes, name)
	}
	return nil
}

// hostLimits returns the current host facts under the lock.
func (s *Service) hostLimits() translate.HostLimits {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.host
}

// cleanupContext is a short context for rollback work that must run even
// when the request's context has been cancelled. It keeps the request's
// values (its logger and request id), not its cancellation or deadline.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

func requireID(kind, id string) error {
	if id == "" {
		return errdefs.InvalidArgument("%s id is required", kind)
	}
	return nil
}

// dockerRoot is Docker's data root, from docker info.
func (s *Service) dockerRoot(ctx context.Context) (string, error) {
	s.mu.Lock()
	root := s.dockerRootDir
	s.mu.Unlock()
	if root != "" {
		return root, nil
	}
	if err := s.refreshEngineFacts(ctx); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dockerRootDir, nil
}

// Close stops the service's goroutines (the event watcher, start-up and
// refresh work, the stats walks) and waits until they have returned.
func (s *Service) Close() {
	s.bg.Stop()
	s.stats.close()
}

// CgroupDriver is Docker's cgroup driver as last read from docker info.
func (s *Service) CgroupDriver() string { return s.hostLimits().CgroupDriver }
