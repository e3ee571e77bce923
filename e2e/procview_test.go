package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRefusesToRunBlind: started where it cannot see container processes
// or their cgroups as the host does (a PID or cgroup namespace of its own,
// as a container without --pid=host / --cgroupns=host), dockercri refuses
// to start and names the flag, instead of serving wrong stats.
func TestRefusesToRunBlind(t *testing.T) {
	skipUnlessE2E(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	run := func(t *testing.T, shell string) (string, error) {
		t.Helper()
		dir := t.TempDir()
		args := strings.Join([]string{daemonBinary, "--container-runtime-endpoint", "unix://" + filepath.Join(dir, "cri.sock"),
			"--root-directory", filepath.Join(dir, "root"), "--docker-endpoint", dockerEndpoint(), "--network-plugin="}, " ")
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", "-c", strings.ReplaceAll(shell, "DOCKERCRI", args))
		// A dockercri that starts anyway runs under unshare's fork: stop the
		// whole process group, and stop waiting for its pipes.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		require.NoError(t, ctx.Err(), "dockercri kept running:\n%s", out)
		return string(out), err
	}

	t.Run("own PID namespace", func(t *testing.T) {
		out, err := run(t, `exec unshare --pid --fork --mount --mount-proc DOCKERCRI`)
		require.Error(t, err, "must not start:\n%s", out)
		assert.Contains(t, out, "--pid=host")
	})

	t.Run("own cgroup namespace", func(t *testing.T) {
		// A cgroup namespace rooted below dockerd's cgroup, as Docker makes
		// one for a container on cgroup v2.
		cg := "/sys/fs/cgroup/memory"
		if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
			cg = "/sys/fs/cgroup"
		}
		sub := filepath.Join(cg, "dcri-e2e-cgns-"+strings.ReplaceAll(t.Name(), "/", "_"))
		require.NoError(t, os.MkdirAll(sub, 0o755))
		t.Cleanup(func() { _ = os.Remove(sub) })
		out, err := run(t, `echo $$ > `+sub+`/cgroup.procs && exec unshare --cgroup DOCKERCRI`)
		require.Error(t, err, "must not start:\n%s", out)
		assert.Contains(t, out, "--cgroupns=host")
	})
}
