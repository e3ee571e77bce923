package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/hostprobe"
	"github.com/dockercri/dockercri/pause"
	"github.com/dockercri/dockercri/translate"
)

// bench is one run: the daemon, both clients and everything measured.
type bench struct {
	o      *options
	runID  string
	ns     string // the pod namespace of every container the bench makes
	tmp    string
	seq    atomic.Int64
	daemon *daemonProc // nil when --endpoint
	pid    int         // dockercri's PID
	dpid   int         // dockerd's PID (0 if not found)

	metricsAddr string // dockercri's /metrics, when the bench started it

	docker        *client.Client
	dockerVersion string
	conn          *grpc.ClientConn
	rt            runtimeapi.RuntimeServiceClient
	is            runtimeapi.ImageServiceClient

	// What dockercri uses to build specs, so the raw side builds the same.
	sandboxImage   string
	networkMode    string
	host           translate.HostLimits
	defaultRuntime string

	rec       *recorder
	res       resources
	specDiffs []string
}

// newBench connects to Docker, builds the test image, starts (or finds)
// dockercri and learns its configuration. On error the returned bench (if
// not nil) still needs close.
func newBench(ctx context.Context, o *options) (*bench, error) {
	id := make([]byte, 4)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	b := &bench{o: o, runID: hex.EncodeToString(id), rec: newRecorder()}
	b.ns = "bench-" + b.runID
	// Unix socket paths are limited to 108 bytes: a short temp dir.
	tmp, err := os.MkdirTemp("", "dcbench-")
	if err != nil {
		return nil, err
	}
	b.tmp = tmp
	// The raw side's client is configured as dockercri's is (no SDK
	// tracing), so it stays the floor for a Docker API client.
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation(), docker.WithoutTracing()}
	if o.dockerEndpoint != "" {
		opts = append(opts, client.WithHost(o.dockerEndpoint))
	}
	if b.docker, err = client.NewClientWithOpts(opts...); err != nil {
		return b, err
	}
	v, err := b.docker.ServerVersion(ctx)
	if err != nil {
		return b, fmt.Errorf("dockerd is not reachable: %w", err)
	}
	b.dockerVersion = v.Version
	if err := ensureImage(ctx, b.docker, o.image); err != nil {
		return b, err
	}
	if err := b.probeHost(ctx); err != nil {
		return b, err
	}
	if err := b.connectDaemon(ctx); err != nil {
		return b, err
	}
	return b, b.learnDaemonConfig(ctx)
}

// probeHost gathers the host facts dockercri probes at start-up.
func (b *bench) probeHost(ctx context.Context) error {
	info, err := b.docker.Info(ctx)
	if err != nil {
		return err
	}
	minOOM, err := hostprobe.MinOOMScoreAdj()
	if err != nil {
		return err
	}
	missing, err := hostprobe.MissingCapabilities()
	if err != nil {
		return err
	}
	b.host = translate.HostLimits{CgroupDriver: info.CgroupDriver, MinOOMScoreAdj: minOOM, MissingCaps: missing}
	b.defaultRuntime = info.DefaultRuntime
	b.dpid = dockerdPID(b.o.dockerEndpoint)
	return nil
}

func (b *bench) connectDaemon(ctx context.Context) error {
	endpoint, alive := b.o.endpoint, func() error { return nil }
	if b.o.dockercriBin != "" {
		logPath := b.o.daemonLog
		if logPath == "" {
			logPath = filepath.Join(b.tmp, "dockercri.log")
		}
		addr, err := freeLoopbackAddr()
		if err != nil {
			return err
		}
		d, ep, err := startDaemon(b.o.dockercriBin, b.tmp, logPath, addr, b.o)
		if err != nil {
			return err
		}
		b.metricsAddr = addr
		b.daemon, b.pid, endpoint, alive = d, d.pid(), ep, d.exited
	}
	conn, err := dialCRI(ctx, endpoint, alive)
	if err != nil {
		return err
	}
	b.conn = conn
	b.rt, b.is = runtimeapi.NewRuntimeServiceClient(conn), runtimeapi.NewImageServiceClient(conn)
	if b.pid == 0 {
		if b.pid, err = hostprobe.PeerPID(strings.TrimPrefix(endpoint, "unix://")); err != nil {
			return fmt.Errorf("finding dockercri's PID: %w", err)
		}
	}
	return nil
}

// learnDaemonConfig reads the sandbox image and network mode from the
// daemon's verbose Status, so the raw side creates what it creates.
func (b *bench) learnDaemonConfig(ctx context.Context) error {
	b.sandboxImage, b.networkMode = pause.DefaultImage, "bridge"
	st, err := b.rt.Status(ctx, &runtimeapi.StatusRequest{Verbose: true})
	if err != nil {
		return err
	}
	var cfg struct {
		SandboxImage string `json:"sandboxImage"`
		NetworkMode  string `json:"networkMode"`
	}
	if raw := st.GetInfo()["config"]; raw != "" && json.Unmarshal([]byte(raw), &cfg) == nil {
		if cfg.SandboxImage != "" {
			b.sandboxImage = cfg.SandboxImage
		}
		if cfg.NetworkMode != "" {
			b.networkMode = cfg.NetworkMode
		}
	}
	if b.networkMode != "bridge" {
		return fmt.Errorf("dockercri uses network mode %q: the bench compares Docker's bridge network (--network-plugin=)", b.networkMode)
	}
	return nil
}

// close removes every container of the bench's namespace, stops the
// daemon by PID and removes the temp dir.
func (b *bench) close(failed bool) error {
	var errs []error
	if b.docker != nil {
		if err := b.sweep(); err != nil {
			errs = append(errs, err)
		}
	}
	if b.conn != nil {
		b.conn.Close()
	}
	if b.daemon != nil {
		if err := b.daemon.stop(); err != nil {
			errs = append(errs, err)
		}
		if failed {
			fmt.Fprintf(os.Stderr, "--- dockercri log (last 40 lines) ---\n%s\n---\n", b.daemon.logTail(40))
		}
	}
	if b.docker != nil {
		b.docker.Close()
	}
	if b.tmp != "" {
		errs = append(errs, os.RemoveAll(b.tmp))
	}
	return errors.Join(errs...)
}

// sweep force-removes every container whose name carries the bench's
// namespace (k8s_<container|POD>_<pod>_<namespace>_<uid>_<attempt>).
func (b *bench) sweep() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	list, err := b.docker.ContainerList(ctx, container.ListOptions{
		All: true, Filters: filters.NewArgs(filters.Arg("name", "_"+b.ns+"_")),
	})
	if err != nil {
		return fmt.Errorf("cleanup: list containers: %w", err)
	}
	if len(list) > 0 {
		logf("cleanup: removing %d containers of %s", len(list), b.ns)
	}
	// Containers first, sandboxes after (they hold the namespaces).
	var ctrs, sandboxes []string
	for _, c := range list {
		if c.Labels[translate.LabelType] == translate.TypeSandbox {
			sandboxes = append(sandboxes, c.ID)
		} else {
			ctrs = append(ctrs, c.ID)
		}
	}
	var errs []error
	for _, ids := range [][]string{ctrs, sandboxes} {
		var mu sync.Mutex
		_ = runPool(ctx, 4, len(ids), func(i int) error {
			err := b.docker.ContainerRemove(ctx, ids[i], container.RemoveOptions{Force: true, RemoveVolumes: true})
			if err != nil && !client.IsErrNotFound(err) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("cleanup: remove %s: %w", ids[i][:12], err))
				mu.Unlock()
			}
			return nil
		})
	}
	return errors.Join(errs...)
}

// runPool runs fn(0..n-1) on workers goroutines and returns the first
// error; after an error no new item starts.
func runPool(ctx context.Context, workers, n int, fn func(i int) error) error {
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		once  sync.Once
		first error
		fail  atomic.Bool
	)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !fail.Load() && ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					fail.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// specScenario checks that the raw side creates what dockercri creates.
func (b *bench) specScenario(ctx context.Context) error {
	diffs, err := b.checkSpecs(ctx)
	if err != nil {
		return err
	}
	b.specDiffs = diffs
	for _, d := range diffs {
		logf("WARNING: raw spec differs from dockercri's: %s", d)
	}
	if len(diffs) == 0 {
		logf("spec check: raw containers match dockercri's (Config and HostConfig)")
	}
	return nil
}
