package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// rawClient dials a CRI socket with plain gRPC (no retries, no wrapping).
func rawClient(t *testing.T, socket string) (runtimeapi.RuntimeServiceClient, runtimeapi.ImageServiceClient) {
	t.Helper()
	conn, err := grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return runtimeapi.NewRuntimeServiceClient(conn), runtimeapi.NewImageServiceClient(conn)
}

func TestVersionFlag(t *testing.T) {
	skipUnlessE2E(t)
	out, err := exec.Command(daemonBinary, "--version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.True(t, strings.HasPrefix(string(out), "dockercri "), "%q", out)
}

func TestBadFlagsAreRejected(t *testing.T) {
	skipUnlessE2E(t)
	for _, args := range [][]string{
		{"--log-format", "yaml"},
		{"--log-level", "loud"},
		{"--container-runtime-endpoint", "tcp://127.0.0.1:1"},
		{"--no-such-flag"},
	} {
		cmd := exec.Command(daemonBinary, args...)
		out, err := cmd.CombinedOutput()
		var exitErr *exec.ExitError
		require.ErrorAs(t, err, &exitErr, "%v: %s", args, out)
		assert.NotEqual(t, 0, exitErr.ExitCode(), "%v", args)
	}
}

func TestSocketModeAndGracefulShutdown(t *testing.T) {
	d := startDaemon(t)
	fi, err := os.Stat(d.socketPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o660), fi.Mode().Perm())
	assert.NotZero(t, fi.Mode()&os.ModeSocket)

	// A call in flight when SIGTERM arrives finishes.
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell(`trap "" TERM; while true; do sleep 1; done`))
	rs, _ := rawClient(t, d.socketPath)
	errc := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := rs.StopContainer(context.Background(), &runtimeapi.StopContainerRequest{ContainerId: id, Timeout: 3})
		errc <- err
	}()
	time.Sleep(700 * time.Millisecond)
	require.NoError(t, d.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-errc:
		require.NoError(t, err, "in-flight StopContainer must finish")
		assert.GreaterOrEqual(t, time.Since(start), 2500*time.Millisecond, "stop returned before the grace period")
	case <-time.After(30 * time.Second):
		t.Fatal("in-flight StopContainer did not return")
	}
	select {
	case <-d.done:
		assert.NoError(t, d.waitErr, "dockercri should exit 0 on SIGTERM")
	case <-time.After(20 * time.Second):
		t.Fatal("dockercri did not exit after SIGTERM")
	}
	_, err = os.Stat(d.socketPath)
	assert.True(t, os.IsNotExist(err), "socket must be removed on shutdown: %v", err)
	st, err := dockerCli.ContainerInspect(testCtx(t), id)
	require.NoError(t, err)
	assert.False(t, st.State.Running)
	// The pod outlives the daemon; clean it up through Docker.
	removePodContainers(t, sbCfg, nil)
}

func TestStaleSocketIsReplaced(t *testing.T) {
	skipUnlessE2E(t)
	dir, err := os.MkdirTemp("", "dcri-stale-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "cri.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	require.NoError(t, l.Close())
	_, err = os.Stat(sock)
	require.NoError(t, err, "stale socket file should remain")

	cmd := exec.Command(daemonBinary, "--container-runtime-endpoint", "unix://"+sock,
		"--root-directory", filepath.Join(dir, "root"), "--docker-endpoint", dockerEndpoint())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	rs, _ := rawClient(t, sock)
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := rs.Version(ctx, &runtimeapi.VersionRequest{})
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon never answered on the stale socket path: %v\n%s", err, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A second daemon must not steal a live socket.
	second := exec.Command(daemonBinary, "--container-runtime-endpoint", "unix://"+sock,
		"--root-directory", filepath.Join(dir, "root2"), "--docker-endpoint", dockerEndpoint())
	out, err := second.CombinedOutput()
	require.Error(t, err, "second daemon on a live socket must fail: %s", out)
	assert.Contains(t, string(out), "in use")
}

// TestUnimplementedRPCs: calls of later issues return exactly Unimplemented
// (kubelet falls back only on that code).
func TestUnimplementedRPCs(t *testing.T) {
	d := startDaemon(t)
	rs, _ := rawClient(t, d.socketPath)
	ctx := testCtx(t)
	calls := map[string]func() error{
		"UpdatePodSandboxResources": func() error {
			_, err := rs.UpdatePodSandboxResources(ctx, &runtimeapi.UpdatePodSandboxResourcesRequest{PodSandboxId: "x"})
			return err
		},
		"CheckpointContainer": func() error {
			_, err := rs.CheckpointContainer(ctx, &runtimeapi.CheckpointContainerRequest{ContainerId: "x"})
			return err
		},
	}
	for name, call := range calls {
		assert.Equal(t, codes.Unimplemented, status.Code(call()), name)
	}
}

// TestCgroupDriverMismatchIsExplained: a kubelet configured with another
// cgroup driver than Docker's is called out in the log at start-up.
func TestCgroupDriverMismatchIsExplained(t *testing.T) {
	skipUnlessE2E(t)
	info, err := dockerCli.Info(testCtx(t))
	require.NoError(t, err)
	other := "systemd"
	if info.CgroupDriver == "systemd" {
		other = "cgroupfs"
	}
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("kind: KubeletConfiguration\ncgroupDriver: "+other+"\n"), 0o644))
	d := startDaemon(t, withFlags("--kubelet-config", cfg))
	log, err := os.ReadFile(d.stderrPath)
	require.NoError(t, err)
	assert.Contains(t, string(log), "kubelet's cgroupDriver differs from Docker's")
	assert.Contains(t, string(log), "cgroupDriver: "+info.CgroupDriver)
}
