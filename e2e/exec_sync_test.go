package e2e

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// execSyncCap is the per-stream output cap kubelet expects (16 MiB).
const execSyncCap = 16 << 20

func TestExecSync(t *testing.T) {
	d := startDaemon(t)
	c := streamCRI(t, d)
	_, _, id := streamPod(t, d)
	ctx := testCtx(t)
	run := func(t *testing.T, timeout int64, cmd ...string) (*runtimeapi.ExecSyncResponse, error) {
		t.Helper()
		return c.ExecSync(ctx, &runtimeapi.ExecSyncRequest{ContainerId: id, Cmd: cmd, Timeout: timeout})
	}

	t.Run("stdout-stderr-exit-code", func(t *testing.T) {
		r, err := run(t, 0, "sh", "-c", "echo out; echo err >&2; exit 7")
		require.NoError(t, err)
		assert.Equal(t, "out\n", string(r.GetStdout()))
		assert.Equal(t, "err\n", string(r.GetStderr()))
		assert.EqualValues(t, 7, r.GetExitCode())
	})

	t.Run("exit-zero", func(t *testing.T) {
		r, err := run(t, 10, "echo", "hi")
		require.NoError(t, err)
		assert.Equal(t, "hi\n", string(r.GetStdout()))
		assert.Empty(t, r.GetStderr())
		assert.EqualValues(t, 0, r.GetExitCode())
	})

	// kubelet's CRI client accepts responses of at most 16 MiB
	// (kubeletMaxMsgSize), so capped output must fit in one such response:
	// close to 16 MiB, never a ResourceExhausted error.
	capped := func(t *testing.T, script string) *runtimeapi.ExecSyncResponse {
		t.Helper()
		r, err := run(t, 60, "sh", "-c", script)
		require.NoError(t, err, "20 MiB of output must be capped into a response kubelet accepts (16 MiB max), not fail the call")
		assert.EqualValues(t, 0, r.GetExitCode())
		return r
	}
	t.Run("stdout-capped-at-16MiB", func(t *testing.T) {
		r := capped(t, "head -c 20971520 /dev/zero")
		n := len(r.GetStdout())
		assert.True(t, n >= execSyncCap-64<<10 && n <= execSyncCap, "stdout is %d bytes, want the first ~16 MiB (%d)", n, execSyncCap)
		assert.Equal(t, -1, bytes.IndexFunc(r.GetStdout(), func(c rune) bool { return c != 0 }), "stdout must be the command's bytes")
	})
	t.Run("stderr-capped-at-16MiB", func(t *testing.T) {
		r := capped(t, "head -c 20971520 /dev/zero >&2")
		n := len(r.GetStderr())
		assert.True(t, n >= execSyncCap-64<<10 && n <= execSyncCap, "stderr is %d bytes, want ~16 MiB", n)
	})
	t.Run("both-streams-large", func(t *testing.T) {
		r := capped(t, "head -c 20971520 /dev/zero; head -c 20971520 /dev/zero >&2")
		assert.LessOrEqual(t, proto.Size(r), kubeletMaxMsgSize)
		assert.NotEmpty(t, r.GetStdout())
	})

	t.Run("timeout-kills-the-command", func(t *testing.T) {
		start := time.Now()
		_, err := run(t, 2, "sleep", "60")
		elapsed := time.Since(start)
		assert.Equal(t, codes.DeadlineExceeded, status.Code(err), "err: %v", err)
		assert.Less(t, elapsed, 5*time.Second, "ExecSync with timeout=2 took %s", elapsed)
		assert.GreaterOrEqual(t, elapsed, 2*time.Second, "returned before the timeout")
		assertNoSleep60(t, run)
	})

	t.Run("timeout-kills-the-process-tree", func(t *testing.T) {
		start := time.Now()
		_, err := run(t, 2, "sh", "-c", "sleep 60 & sleep 60; wait")
		assert.Equal(t, codes.DeadlineExceeded, status.Code(err), "err: %v", err)
		assert.Less(t, time.Since(start), 5*time.Second)
		assertNoSleep60(t, run)
	})

	t.Run("no-timeout-waits", func(t *testing.T) {
		r, err := run(t, 0, "sh", "-c", "sleep 3; echo done")
		require.NoError(t, err)
		assert.Equal(t, "done\n", string(r.GetStdout()))
	})
}

// assertNoSleep60 checks (polling for up to 3 s) that no `sleep 60` is left
// in the container.
func assertNoSleep60(t *testing.T, run func(*testing.T, int64, ...string) (*runtimeapi.ExecSyncResponse, error)) {
	t.Helper()
	var ps string
	gone := eventually(3*time.Second, func() bool {
		r, err := run(t, 10, "ps", "-o", "pid,stat,args")
		if err != nil {
			ps = err.Error()
			return false
		}
		ps = string(r.GetStdout())
		for _, line := range strings.Split(ps, "\n") {
			if strings.HasSuffix(strings.TrimSpace(line), "sleep 60") {
				return false
			}
		}
		return true
	})
	assert.True(t, gone, "`sleep 60` still in the container after the timeout:\n%s", ps)
}

func TestExecSyncRefusals(t *testing.T) {
	d := startDaemon(t)
	c := streamCRI(t, d)
	sb, sbCfg := runSandbox(t, d)
	ctx := testCtx(t)
	stopped := runContainer(t, d, sb, sbCfg, withCommand("true"))
	waitContainerState(t, d, stopped, runtimeapi.ContainerState_CONTAINER_EXITED, 30*time.Second)

	_, err := c.ExecSync(ctx, &runtimeapi.ExecSyncRequest{ContainerId: stopped, Cmd: []string{"true"}})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "ExecSync in stopped container: %v", err)

	_, err = c.ExecSync(ctx, &runtimeapi.ExecSyncRequest{ContainerId: "0123456789abcdef-no-such-container", Cmd: []string{"true"}})
	assert.Equal(t, codes.NotFound, status.Code(err), "ExecSync in unknown container: %v", err)
}
