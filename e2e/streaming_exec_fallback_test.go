package e2e

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/util/exec"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/streaming/pkg/httpstream"
)

// TestStreamingExecFallback runs an exec through the executor kubectl
// builds: websocket (v5.channel.k8s.io only) first, SPDY when the websocket
// upgrade fails. The SPDY attempt reuses the URL, so a failed websocket
// handshake must not have consumed the single-use token.
func TestStreamingExecFallback(t *testing.T) {
	d := startDaemon(t)
	c := streamCRI(t, d)
	_, _, id := streamPod(t, d)
	ctx := testCtx(t)
	req := func() *runtimeapi.ExecRequest {
		return &runtimeapi.ExecRequest{ContainerId: id, Cmd: []string{"sh", "-c", "echo out; echo err >&2; exit 5"}, Stdout: true, Stderr: true}
	}

	// Diagnosis first: what the v5-only websocket attempt gets, and whether
	// the token survives it.
	u, err := execURL(ctx, c, req())
	require.NoError(t, err)
	wsErr := runStream(ctx, newExecutor(t, execWSv5, u), remotecommand.StreamOptions{}, true, sessionTimeout).err
	t.Logf("websocket v5.channel.k8s.io attempt: err=%v (IsUpgradeFailure=%v)", wsErr, httpstream.IsUpgradeFailure(wsErr))
	var diag string
	if wsErr != nil {
		again := runStream(ctx, newExecutor(t, execSPDY, u), remotecommand.StreamOptions{}, true, sessionTimeout)
		diag = "after the failed websocket attempt, SPDY on the same URL got: " + errString(again.err)
		t.Log(diag)
	}

	u, err = execURL(ctx, c, req())
	require.NoError(t, err)
	r := runStream(ctx, newExecutor(t, execFallback, u), remotecommand.StreamOptions{}, true, sessionTimeout)
	assert.Equal(t, "out\n", r.stdout, diag)
	assert.Equal(t, "err\n", r.stderr, diag)
	var ce exec.CodeExitError
	if assert.True(t, errors.As(r.err, &ce), "want exec.CodeExitError, got %T %v; %s", r.err, r.err, diag) {
		assert.Equal(t, 5, ce.Code)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
