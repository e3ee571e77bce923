package e2e

import (
	"context"
	"io"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/remotecommand"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// attachSession is an attach running in the background with a stdin pipe.
type attachSession struct {
	stdin  *io.PipeWriter
	out    *syncBuffer
	cancel context.CancelFunc
	done   chan streamResult
	once   sync.Once
}

// startAttach asks the daemon for an attach URL and connects to it with a
// client-go executor of kind, keeping stdin open until detach.
func startAttach(t *testing.T, c runtimeapi.RuntimeServiceClient, kind executorKind, id string, tty bool) *attachSession {
	t.Helper()
	ctx := testCtx(t)
	resp, err := c.Attach(ctx, &runtimeapi.AttachRequest{ContainerId: id, Stdin: true, Stdout: true, Stderr: !tty, Tty: tty})
	require.NoError(t, err, "Attach RPC")
	assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+/attach/[^/]+$`, resp.GetUrl())
	e := newExecutor(t, kind, resp.GetUrl())
	pr, pw := io.Pipe()
	s := &attachSession{stdin: pw, out: &syncBuffer{}, done: make(chan streamResult, 1)}
	sctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	opts := remotecommand.StreamOptions{Stdin: pr, Stdout: s.out, Tty: tty}
	if !tty {
		opts.Stderr = s.out
	}
	go func() { s.done <- runStream(sctx, e, opts, false, 2*time.Minute) }()
	t.Cleanup(func() { s.detach(t) })
	return s
}

// send writes to the session's stdin without blocking the test forever.
func (s *attachSession) send(t *testing.T, text string) {
	t.Helper()
	written := make(chan error, 1)
	go func() {
		_, err := io.WriteString(s.stdin, text)
		written <- err
	}()
	select {
	case err := <-written:
		require.NoError(t, err, "write to attach stdin")
	case r := <-s.done:
		s.done <- r
		t.Fatalf("attach session ended before stdin was read: %v (output %q)", r.err, s.out.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("attach stdin not read within 10s (output %q)", s.out.String())
	}
}

// detach goes away like a client that is closed or killed: the connection
// is torn down; stdin is never closed, so the container keeps its stdin.
func (s *attachSession) detach(t *testing.T) {
	s.once.Do(func() {
		s.cancel()
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			t.Errorf("attach client did not return within 15s of cancelling")
		}
		s.stdin.Close()
	})
}

// attachedOK matches the output of `echo attached-ok` on a line of its
// own, not the terminal's echo of the typed command.
var attachedOK = regexp.MustCompile(`(^|\n)attached-ok\r?\n`)

func TestStreamingAttach(t *testing.T) {
	d := startDaemon(t)
	c := streamCRI(t, d)

	for _, kind := range []executorKind{execSPDY, execWS} {
		t.Run(string(kind), func(t *testing.T) {
			t.Run("tty-shell-survives-detach", func(t *testing.T) {
				_, _, id := streamPod(t, d, withCommand("sh"), withStreamStdin(true))
				for round := 1; round <= 2; round++ {
					s := startAttach(t, c, kind, id, true)
					s.send(t, "echo attached-ok\n")
					ok := eventually(10*time.Second, func() bool { return attachedOK.MatchString(s.out.String()) })
					assert.True(t, ok, "round %d: no attached-ok line in %q", round, s.out.String())
					s.detach(t)
					time.Sleep(time.Second)
					st := containerStatus(t, d, id)
					require.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, st.GetState(),
						"round %d: container must keep running after detach (exit %d, reason %q)", round, st.GetExitCode(), st.GetReason())
				}
			})

			t.Run("cat-without-tty", func(t *testing.T) {
				_, _, id := streamPod(t, d, withCommand("cat"), withStreamStdin(false))
				s := startAttach(t, c, kind, id, false)
				s.send(t, "ping over attach\n")
				assert.True(t, s.out.waitFor("ping over attach\n", 10*time.Second), "echo not seen: %q", s.out.String())
				s.detach(t)
				time.Sleep(time.Second)
				assert.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, containerStatus(t, d, id).GetState(),
					"cat must keep running after detach")
			})
		})
	}
}
