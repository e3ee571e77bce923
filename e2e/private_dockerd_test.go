package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
)

// privateDockerd is a second dockerd of the test's own, on its own socket,
// data root and exec root, with a bridge the test creates and no iptables
// rules (pods use the host network), so a test can stop and restart it
// without touching the dockerd the rest of the suite shares. (Not
// --bridge=none: a dockerd started so deletes the host's docker0.)
type privateDockerd struct {
	endpoint string
	cli      *client.Client
	args     []string
	logPath  string
	execRoot string

	cmd  *exec.Cmd
	done chan struct{}
}

// startPrivateDockerd starts the daemon and registers its teardown: every
// container removed, dockerd (and a containerd it left running) stopped by
// PID, its directories removed.
func startPrivateDockerd(t *testing.T, liveRestore bool) *privateDockerd {
	t.Helper()
	skipUnlessE2E(t)
	if _, err := exec.LookPath("dockerd"); err != nil {
		t.Skip("no dockerd binary to start a private one")
	}
	// Socket paths must stay short; overlay2 needs the data root on the
	// same kind of file system as Docker's own.
	dir, err := os.MkdirTemp("", "dcri-dd-")
	if err != nil {
		t.Fatal(err)
	}
	dataRoot, err := os.MkdirTemp(filepath.Dir(dockerDataRoot(t)), "dockercri-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	p := &privateDockerd{
		endpoint: "unix://" + filepath.Join(dir, "docker.sock"),
		logPath:  filepath.Join(dir, "dockerd.log"),
		execRoot: filepath.Join(dir, "x"),
	}
	bridge := privateBridge(t)
	p.args = []string{
		"-H", p.endpoint,
		"--data-root", dataRoot,
		"--exec-root", p.execRoot,
		"--pidfile", filepath.Join(dir, "dockerd.pid"),
		"--bridge", bridge, "--iptables=false", "--ip-masq=false", "--ip-forward=false",
		"--userland-proxy=false",
	}
	if liveRestore {
		p.args = append(p.args, "--live-restore")
	}
	cli, err := client.NewClientWithOpts(client.WithHost(p.endpoint), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	p.cli = cli
	t.Cleanup(func() {
		p.teardown(t)
		cli.Close()
		if t.Failed() {
			if b, err := os.ReadFile(p.logPath); err == nil {
				t.Logf("private dockerd log (last 4 KiB):\n%s", lastBytes(b, 4096))
			}
		}
		if err := os.RemoveAll(dataRoot); err != nil {
			t.Logf("cleanup: %v", err)
		}
		os.RemoveAll(dir)
	})
	p.start(t)
	return p
}

// privateBridge creates a bridge with an address of its own for a private
// dockerd (deleted at cleanup, after the dockerd has stopped).
func privateBridge(t *testing.T) string {
	t.Helper()
	var b [3]byte
	_, _ = rand.Read(b[:])
	name := "dcridd" + hex.EncodeToString(b[:2])
	addr := fmt.Sprintf("10.%d.%d.1/24", 20+int(b[0])%200, b[2])
	for _, args := range [][]string{
		{"link", "add", name, "type", "bridge"},
		{"addr", "add", addr, "dev", name},
		{"link", "set", name, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", name).Run() })
	return name
}

func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// dockerDataRoot is the suite dockerd's data root.
func dockerDataRoot(t *testing.T) string {
	info, err := dockerCli.Info(testCtx(t))
	if err != nil {
		t.Fatalf("docker info: %v", err)
	}
	return info.DockerRootDir
}

// start launches dockerd and waits until it answers a ping.
func (p *privateDockerd) start(t *testing.T) {
	t.Helper()
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	p.cmd = exec.Command("dockerd", p.args...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start dockerd: %v", err)
	}
	p.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(p.cmd, p.done)
	deadline := time.Now().Add(90 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := p.cli.Ping(ctx)
		cancel()
		if err == nil {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("private dockerd exited at start-up: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("private dockerd did not answer within 90 s: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop sends dockerd SIGTERM and waits for it to exit (SIGKILL after 60 s).
func (p *privateDockerd) stop(t *testing.T) {
	t.Helper()
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Errorf("private dockerd ignored SIGTERM for 60 s; killing it")
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// teardown removes every container, stops dockerd and the containerd it
// started (which live-restore leaves running).
func (p *privateDockerd) teardown(t *testing.T) {
	select {
	case <-p.done:
		p.start(t) // containers are removed through the API
	default:
	}
	ctx, cancel := cleanupCtx()
	defer cancel()
	list, err := p.cli.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		t.Logf("cleanup: private dockerd list: %v", err)
	}
	for _, c := range list {
		if err := p.cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil {
			t.Logf("cleanup: private dockerd remove %s: %v", c.ID[:12], err)
		}
	}
	p.stop(t)
	if err := p.stopContainerd(); err != nil {
		t.Logf("cleanup: %v", err)
	}
	// dockerd leaves the host netns bind-mounted in its exec root.
	for _, m := range mountsUnder(p.execRoot) {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
			t.Logf("cleanup: unmount %s: %v", m, err)
		}
	}
}

// mountsUnder lists the mount points below dir, deepest first.
func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			out = append(out, f[4])
		}
	}
	slices.Reverse(out)
	return out
}

// stopContainerd stops the containerd a dockerd left behind (by the pid
// file in its exec root), waiting up to 10 s for it to exit.
func (p *privateDockerd) stopContainerd() error {
	b, err := os.ReadFile(filepath.Join(p.execRoot, "containerd", "containerd.pid"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return fmt.Errorf("containerd pid file holds %q", b)
	}
	// Only a containerd whose command line names this exec root is ours.
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), p.execRoot) {
		return nil // already gone (or the pid was reused)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stopping containerd %d: %w", pid, err)
	}
	for range 100 {
		if syscall.Kill(pid, 0) != nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("containerd %d still running 10 s after SIGTERM", pid)
}
