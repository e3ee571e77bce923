package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/client"
	internalapi "k8s.io/cri-api/pkg/apis"
	remote "k8s.io/cri-client/pkg"
)

const (
	// criTimeout is the cri-client connection and per-call timeout.
	criTimeout = time.Minute
	// startTimeout bounds how long the daemon may take to answer Version.
	startTimeout = 60 * time.Second
	// stopTimeout bounds how long the daemon may take to exit on SIGTERM.
	stopTimeout = 20 * time.Second
)

// daemon is one running dockercri process with CRI clients connected to it.
type daemon struct {
	endpoint   string // unix:///...
	socketPath string
	rootDir    string
	stderrPath string

	runtime internalapi.RuntimeService
	images  internalapi.ImageManagerService
	docker  *client.Client

	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error         // valid after done is closed

	mu       sync.Mutex
	logPaths map[string]string // container id → absolute CRI log path
	known    map[string]bool   // ids of sandboxes and containers this test made
	stopped  bool
}

type daemonConfig struct {
	flags   []string
	env     []string
	rootDir string

	dockerEndpoint string         // default dockerEndpoint()
	dockerCli      *client.Client // for cross-checks; default dockerCli

	started func(*daemon) // called once the process runs, before startDaemon waits for it
}

// daemonOpt configures startDaemon.
type daemonOpt func(*daemonConfig)

// withFlags appends command-line flags.
func withFlags(flags ...string) daemonOpt {
	return func(c *daemonConfig) { c.flags = append(c.flags, flags...) }
}

// withDaemonEnv adds KEY=VALUE entries to the daemon's environment.
func withDaemonEnv(kv ...string) daemonOpt {
	return func(c *daemonConfig) { c.env = append(c.env, kv...) }
}

// withRootDir makes the daemon use dir (e.g. another daemon's rootDir, to
// test a restart) instead of a fresh root directory.
func withRootDir(dir string) daemonOpt {
	return func(c *daemonConfig) { c.rootDir = dir }
}

// whileStarting calls fn as soon as the daemon's process runs, before
// startDaemon waits for its socket: for tests that must act on a daemon
// that cannot come up on its own (its stderr is at d.stderrPath).
func whileStarting(fn func(d *daemon)) daemonOpt {
	return func(c *daemonConfig) { c.started = fn }
}

// withPauseImage sets --pod-infra-container-image.
func withPauseImage(ref string) daemonOpt {
	return withFlags("--pod-infra-container-image", ref)
}

// withDockerEngine points the daemon (and its cross-checks) at another
// dockerd than the suite's.
func withDockerEngine(endpoint string, cli *client.Client) daemonOpt {
	return func(c *daemonConfig) { c.dockerEndpoint, c.dockerCli = endpoint, cli }
}

func dockerEndpoint() string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return "unix:///var/run/docker.sock"
}

// startDaemon starts dockercri with a fresh root directory and socket, waits
// until it answers Version and registers its shutdown with t.Cleanup. On
// test failure the daemon's stderr is written to the test log.
func startDaemon(t testing.TB, opts ...daemonOpt) *daemon {
	t.Helper()
	skipUnlessE2E(t)
	var cfg daemonConfig
	for _, o := range opts {
		o(&cfg)
	}
	// Unix socket paths are limited to 108 bytes: keep them out of t.TempDir.
	dir, err := os.MkdirTemp("", "dcri-")
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{
		socketPath: filepath.Join(dir, "cri.sock"),
		rootDir:    filepath.Join(dir, "root"),
		stderrPath: filepath.Join(dir, "stderr.log"),
		docker:     dockerCli,
		done:       make(chan struct{}),
		logPaths:   map[string]string{},
		known:      map[string]bool{},
	}
	d.endpoint = "unix://" + d.socketPath
	if cfg.rootDir != "" {
		d.rootDir = cfg.rootDir
	}
	engine := dockerEndpoint()
	if cfg.dockerEndpoint != "" {
		engine, d.docker = cfg.dockerEndpoint, cfg.dockerCli
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	stderr, err := os.Create(d.stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	args := []string{
		"--container-runtime-endpoint", d.endpoint,
		"--root-directory", d.rootDir,
		"--docker-endpoint", engine,
		"--log-level", "debug",
		"--streaming-bind-addr", "127.0.0.1:0",
		"--network-plugin=", // Docker's bridge unless a test asks for CNI
	}
	// Flags every daemon of this run needs for its engine (make e2e
	// ENGINE=next: where that engine's containerd keeps its root).
	args = append(args, strings.Fields(os.Getenv("DOCKERCRI_E2E_DAEMON_FLAGS"))...)
	d.cmd = exec.Command(daemonBinary, append(args, cfg.flags...)...)
	d.cmd.Env = append(os.Environ(), cfg.env...)
	d.cmd.Stdout = stderr
	d.cmd.Stderr = stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", daemonBinary, err)
	}
	go func() {
		d.waitErr = d.cmd.Wait()
		close(d.done)
	}()
	if cfg.started != nil {
		cfg.started(d)
	}
	// Registered before the clients so it runs after every later cleanup
	// (sandboxes, containers) that still needs the daemon.
	t.Cleanup(func() {
		d.stop(t)
		if t.Failed() {
			d.dumpStderr(t)
		}
	})
	if err := d.connect(); err != nil {
		t.Fatalf("dockercri did not come up: %v", err)
	}
	return d
}

// connect waits for the socket and builds the CRI clients.
func (d *daemon) connect() error {
	deadline := time.Now().Add(startTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-d.done:
			return fmt.Errorf("daemon exited early: %v", d.waitErr)
		default:
		}
		if _, err := os.Stat(d.socketPath); err != nil {
			lastErr = err
			time.Sleep(100 * time.Millisecond)
			continue
		}
		ctx, cancel := context.WithTimeout(quietCtx(), 10*time.Second)
		rs, err := remote.NewRemoteRuntimeServiceBuilder().WithEndpoint(d.endpoint).
			WithConnectionTimeout(criTimeout).WithTracerProvider(nil).Build(ctx)
		cancel()
		if err != nil {
			lastErr = err
			time.Sleep(200 * time.Millisecond)
			continue
		}
		ctx, cancel = context.WithTimeout(quietCtx(), 10*time.Second)
		is, err := remote.NewRemoteImageServiceBuilder().WithEndpoint(d.endpoint).
			WithConnectionTimeout(criTimeout).WithTracerProvider(nil).Build(ctx)
		cancel()
		if err != nil {
			_ = rs.Close(quietCtx())
			lastErr = err
			time.Sleep(200 * time.Millisecond)
			continue
		}
		d.runtime, d.images = rs, is
		return nil
	}
	return fmt.Errorf("no answer on %s within %s: %v", d.endpoint, startTimeout, lastErr)
}

// stop closes the clients, SIGTERMs the daemon (by PID) and waits for it;
// after stopTimeout it is killed and the test fails. Idempotent.
func (d *daemon) stop(t testing.TB) {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return
	}
	d.stopped = true
	d.mu.Unlock()
	if d.runtime != nil {
		_ = d.runtime.Close(quietCtx())
	}
	if d.images != nil {
		_ = d.images.Close(quietCtx())
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("SIGTERM dockercri (pid %d): %v", d.cmd.Process.Pid, err)
	}
	select {
	case <-d.done:
	case <-time.After(stopTimeout):
		t.Errorf("dockercri (pid %d) still running %s after SIGTERM; killing it", d.cmd.Process.Pid, stopTimeout)
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// exited reports whether the daemon process has exited.
func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// dumpStderr writes the daemon's output (the last 256 KiB) to the test log.
func (d *daemon) dumpStderr(t testing.TB) {
	data, err := os.ReadFile(d.stderrPath)
	if err != nil {
		t.Logf("read dockercri stderr: %v", err)
		return
	}
	const max = 256 << 10
	if len(data) > max {
		data = append([]byte("...(truncated)...\n"), data[len(data)-max:]...)
	}
	t.Logf("dockercri stderr (%s):\n%s", d.stderrPath, data)
}

// running reports whether CRI calls can still reach the daemon.
func (d *daemon) running() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.stopped && !d.exited()
}

func (d *daemon) setLogPath(id, path string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.logPaths[id] = path
}

func (d *daemon) logPath(id string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.logPaths[id]
}

func (d *daemon) addKnown(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.known[id] = true
}

func (d *daemon) isKnown(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.known[id]
}
