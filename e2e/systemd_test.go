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
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// runPlain starts the daemon binary with args and env, stopping it at
// cleanup; it returns the process.
func runPlain(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("dockercri stderr:\n%s", stderr.String())
		}
	})
}

func waitVersion(t *testing.T, sock string) {
	t.Helper()
	rs, _ := rawClient(t, sock)
	require.True(t, eventually(startTimeout, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := rs.Version(ctx, &runtimeapi.VersionRequest{})
		return err == nil
	}), "no answer on %s", sock)
}

// TestSystemdNotifyAndSocketGroup: READY=1 reaches $NOTIFY_SOCKET once the
// daemon serves, and --socket-group owns the socket.
func TestSystemdNotifyAndSocketGroup(t *testing.T) {
	skipUnlessE2E(t)
	dir, err := os.MkdirTemp("", "dcri-sd-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	notify := filepath.Join(dir, "notify")
	nl, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notify, Net: "unixgram"})
	require.NoError(t, err)
	defer nl.Close()
	sock := filepath.Join(dir, "cri.sock")
	cmd := exec.Command(daemonBinary, "--container-runtime-endpoint", "unix://"+sock, "--root-directory", filepath.Join(dir, "root"),
		"--docker-endpoint", dockerEndpoint(), "--network-plugin=", "--socket-group", "1")
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+notify)
	runPlain(t, cmd)

	require.NoError(t, nl.SetReadDeadline(time.Now().Add(startTimeout)))
	buf := make([]byte, 256)
	n, _, err := nl.ReadFromUnix(buf)
	require.NoError(t, err, "no readiness notification")
	assert.Equal(t, "READY=1", string(buf[:n]))
	waitVersion(t, sock)
	fi, err := os.Stat(sock)
	require.NoError(t, err)
	assert.Equal(t, uint32(1), fi.Sys().(*syscall.Stat_t).Gid, "--socket-group 1")
	assert.Equal(t, os.FileMode(0o660), fi.Mode().Perm())
}

// TestSystemdSocketActivation: a listening socket passed as fd 3 with
// LISTEN_FDS=1 is served, and left in place at exit (systemd owns it).
func TestSystemdSocketActivation(t *testing.T) {
	skipUnlessE2E(t)
	dir, err := os.MkdirTemp("", "dcri-act-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "activated.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	require.NoError(t, err)
	l.SetUnlinkOnClose(false)
	f, err := l.File()
	require.NoError(t, err)
	// LISTEN_PID must be the daemon's own pid: the shell execs into it.
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`, daemonBinary,
		"--container-runtime-endpoint", "unix://"+filepath.Join(dir, "unused.sock"),
		"--root-directory", filepath.Join(dir, "root"), "--docker-endpoint", dockerEndpoint(), "--network-plugin=")
	cmd.ExtraFiles = []*os.File{f}
	runPlain(t, cmd)
	f.Close()
	l.Close()
	waitVersion(t, sock)
	_, err = os.Stat(filepath.Join(dir, "unused.sock"))
	assert.True(t, os.IsNotExist(err), "with an activated socket, no socket of its own")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.True(t, eventually(stopTimeout, func() bool {
		return cmd.ProcessState != nil || syscall.Kill(cmd.Process.Pid, 0) != nil
	}), "daemon did not stop")
	_, err = os.Stat(sock)
	assert.NoError(t, err, "systemd's socket stays")
}
