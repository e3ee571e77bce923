package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"k8s.io/client-go/tools/remotecommand"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const (
	leakSessions = 1000
	leakExecSync = 200
	leakWorkers  = 6
	leakMargin   = 10
	// abandonedSPDY and abandonedWS are what sessions abandoned by their
	// client run, told apart by protocol.
	abandonedSPDY = "sleep 120"
	abandonedWS   = "sleep 121"
)

// TestStreamingLeak runs 1000 exec sessions (SPDY and websocket; every
// tenth abandoned by its client mid-session) and 200 ExecSync, then checks
// that the daemon's goroutines and open fds return to their baseline.
func TestStreamingLeak(t *testing.T) {
	d := startDaemon(t, withFlags("--debug-addr", "127.0.0.1:0"))
	dbg := debugOf(t, d)
	c := streamCRI(t, d)
	_, _, id := streamPod(t, d)
	ctx := testCtx(t)

	session := func(i int) error {
		kind := execSPDY
		if i%2 == 1 {
			kind = execWS
		}
		abandon := i%20 == 8 || i%20 == 9 // 50 SPDY, 50 websocket
		req := &runtimeapi.ExecRequest{ContainerId: id, Cmd: []string{"sh", "-c", fmt.Sprintf("echo s%d; echo e%d >&2", i, i)}, Stdout: true, Stderr: true}
		opts := remotecommand.StreamOptions{}
		switch {
		case abandon:
			what := abandonedSPDY
			if kind == execWS {
				what = abandonedWS
			}
			req.Cmd = []string{"sh", "-c", "echo started; exec " + what}
		case i%10 == 4 && kind == execSPDY: // stdin through cat
			req.Cmd, req.Stdin = []string{"cat"}, true
			opts.Stdin = strings.NewReader(fmt.Sprintf("s%d\n", i))
		}
		u, err := execURL(ctx, c, req)
		if err != nil {
			return fmt.Errorf("Exec RPC: %w", err)
		}
		var stdout, stderr syncBuffer
		opts.Stdout, opts.Stderr = &stdout, &stderr
		sctx, cancel := context.WithTimeout(ctx, sessionTimeout)
		defer cancel()
		if abandon {
			go func() {
				if stdout.waitFor("started", 10*time.Second) {
					cancel() // the client goes away mid-session
				}
			}()
		}
		exe := newExecutor(t, kind, u)
		err = exe.StreamWithContext(sctx, opts)
		switch {
		case abandon:
			if !errors.Is(sctx.Err(), context.Canceled) {
				return fmt.Errorf("%s: abandoned session ended on its own: %v (stdout %q)", kind, err, stdout.String())
			}
		case err != nil:
			return fmt.Errorf("%s: %w", kind, err)
		case stdout.String() != fmt.Sprintf("s%d\n", i):
			return fmt.Errorf("%s: stdout %q", kind, stdout.String())
		case req.Stdin == false && stderr.String() != fmt.Sprintf("e%d\n", i):
			return fmt.Errorf("%s: stderr %q", kind, stderr.String())
		}
		return nil
	}
	execSync := func(i int) error {
		r, err := c.ExecSync(ctx, &runtimeapi.ExecSyncRequest{ContainerId: id, Cmd: []string{"echo", fmt.Sprint(i)}, Timeout: 10})
		if err != nil {
			return err
		}
		if string(r.GetStdout()) != fmt.Sprintf("%d\n", i) {
			return fmt.Errorf("stdout %q", r.GetStdout())
		}
		return nil
	}

	// Warm-up: first sessions allocate pools, HTTP keep-alives, etc.
	requireNoErrs(t, "warm-up", parallel(40, leakWorkers, func(i int) error { return session(i % 8) }))
	requireNoErrs(t, "warm-up ExecSync", parallel(20, leakWorkers, execSync))
	base := dbg.stable(t)
	rss := dbg.rssKiB(t)
	t.Logf("baseline: %s, RSS %d KiB; %s", base, rss, dbg.heap())

	start := time.Now()
	errs := parallel(leakSessions, leakWorkers, session)
	sessionsTook := time.Since(start)
	start = time.Now()
	errs = append(errs, parallel(leakExecSync, leakWorkers, execSync)...)
	t.Logf("%d exec sessions in %s (%d workers), %d ExecSync in %s; %d errors",
		leakSessions, sessionsTook.Round(time.Millisecond), leakWorkers, leakExecSync, time.Since(start).Round(time.Millisecond), len(errs))
	requireNoErrs(t, "sessions", errs)
	t.Logf("right after: %s, RSS %d KiB", dbg.read(t), dbg.rssKiB(t))

	after, ok, took := dbg.settle(t, base, leakMargin, 15*time.Second)
	t.Logf("after settling (%s): %s (baseline %s), RSS %d KiB; %s", took.Round(time.Millisecond), after, base, dbg.rssKiB(t), dbg.heap())
	leftSPDY, leftWS := countProcs(t, c, id, abandonedSPDY), countProcs(t, c, id, abandonedWS)
	left := leftSPDY + leftWS
	assert.Zero(t, left, "processes of abandoned exec sessions still run in the container (SPDY %d/50, websocket %d/50): "+
		"the client went away but the exec was not ended (containerd kills it)", leftSPDY, leftWS)
	if !assert.True(t, ok, "goroutines/fds did not return to baseline+%d within 15s of the last session: %s, baseline %s",
		leakMargin, after, base) {
		t.Logf("goroutine profile (head):\n%s", dbg.profile(12<<10))
		if left > 0 {
			// Tell apart "held until the process exits" from a real leak.
			killProcs(t, c, id, abandonedSPDY)
			killProcs(t, c, id, abandonedWS)
			again, ok2, took2 := dbg.settle(t, base, leakMargin, 15*time.Second)
			t.Logf("after killing the abandoned processes: %s in %s (settled: %v), RSS %d KiB; %s",
				again, took2.Round(time.Millisecond), ok2, dbg.rssKiB(t), dbg.heap())
		}
	}
}

func requireNoErrs(t *testing.T, what string, errs []error) {
	t.Helper()
	if len(errs) == 0 {
		return
	}
	shown := errs
	if len(shown) > 10 {
		shown = shown[:10]
	}
	t.Fatalf("%s: %d failed, first: %v", what, len(errs), errors.Join(shown...))
}

// countProcs counts processes in the container whose args are exactly args.
func countProcs(t *testing.T, c runtimeapi.RuntimeServiceClient, id, args string) int {
	t.Helper()
	r, err := c.ExecSync(testCtx(t), &runtimeapi.ExecSyncRequest{ContainerId: id, Cmd: []string{"ps", "-o", "args"}, Timeout: 10})
	if err != nil {
		t.Errorf("ps: %v", err)
		return -1
	}
	n := 0
	for _, l := range strings.Split(string(r.GetStdout()), "\n") {
		if strings.TrimSpace(l) == args {
			n++
		}
	}
	return n
}

// killProcs SIGKILLs processes in the container whose args are exactly args.
func killProcs(t *testing.T, c runtimeapi.RuntimeServiceClient, id, args string) {
	t.Helper()
	script := fmt.Sprintf(`ps -o pid,args | while read pid a; do [ "$a" = %q ] && kill -9 $pid; done; true`, args)
	start := time.Now()
	_, err := c.ExecSync(testCtx(t), &runtimeapi.ExecSyncRequest{ContainerId: id, Cmd: []string{"sh", "-c", script}, Timeout: 30})
	t.Logf("killing %q took %s (err %v)", args, time.Since(start).Round(time.Millisecond), err)
}
