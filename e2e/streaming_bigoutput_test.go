package e2e

import (
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/remotecommand"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// bigOutput is what one exec streams (100 MiB).
const bigOutput = 100 << 20

// countingWriter counts bytes and drops them.
type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}

// TestStreamingExecLargeOutput streams 100 MiB through exec (SPDY and
// websocket) and checks every byte arrives while the daemon's peak memory
// (VmHWM) grows by a few MiB at most: output is streamed, not buffered.
func TestStreamingExecLargeOutput(t *testing.T) {
	d := startDaemon(t)
	c := streamCRI(t, d)
	_, _, id := streamPod(t, d)
	ctx := testCtx(t)
	mem := &daemonDebug{pid: d.cmd.Process.Pid}

	for _, kind := range []executorKind{execSPDY, execWS} {
		t.Run(string(kind), func(t *testing.T) {
			// A small session first, so one-time allocations are not counted.
			u, err := execURL(ctx, c, &runtimeapi.ExecRequest{ContainerId: id, Cmd: []string{"head", "-c", "1048576", "/dev/zero"}, Stdout: true, Stderr: true})
			require.NoError(t, err)
			require.NoError(t, runStream(ctx, newExecutor(t, kind, u), remotecommand.StreamOptions{Stdout: io.Discard}, true, sessionTimeout).err)

			hwm := mem.statusKiB(t, "VmHWM:")
			u, err = execURL(ctx, c, &runtimeapi.ExecRequest{ContainerId: id, Cmd: []string{"head", "-c", "104857600", "/dev/zero"}, Stdout: true, Stderr: true})
			require.NoError(t, err)
			var out countingWriter
			start := time.Now()
			r := runStream(ctx, newExecutor(t, kind, u), remotecommand.StreamOptions{Stdout: &out}, true, 2*time.Minute)
			took := time.Since(start)
			require.NoError(t, r.err)
			assert.EqualValues(t, bigOutput, out.n.Load())
			grew := mem.statusKiB(t, "VmHWM:") - hwm
			t.Logf("100 MiB in %s; daemon peak RSS grew by %d KiB (VmHWM before %d KiB)", took.Round(time.Millisecond), grew, hwm)
			assert.Less(t, grew, 8<<10, "daemon peak memory grew by %d KiB while streaming 100 MiB", grew)
		})
	}
}
