package streaming

import (
	"context"
	"fmt"
	"time"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

// MaxSyncOutput caps each of stdout and stderr of ExecSync, as kubelet
// expects (16 MiB); output beyond it is read and dropped.
const MaxSyncOutput = 16 << 20

// SyncResult is the outcome of a synchronous exec.
type SyncResult struct {
	Stdout, Stderr []byte
	ExitCode       int
}

// cappedBuffer keeps the first max bytes written to it.
type cappedBuffer struct {
	buf []byte
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// ExecSync runs cmd in a running container and collects its output. When
// timeout (if > 0) expires, the command's processes are killed from the host
// and the error is DeadlineExceeded.
func ExecSync(ctx context.Context, e Engine, id string, cmd []string, timeout time.Duration) (*SyncResult, error) {
	if len(cmd) == 0 {
		return nil, errdefs.InvalidArgument("cmd is required")
	}
	if _, err := RequireRunning(ctx, e, id); err != nil {
		return nil, err
	}
	execID, err := e.ExecCreate(ctx, id, docker.ExecConfig{Cmd: cmd, Stdout: true, Stderr: true})
	if err != nil {
		return nil, err
	}
	h, err := e.ExecAttach(ctx, execID, false)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	stdout := &cappedBuffer{max: MaxSyncOutput}
	stderr := &cappedBuffer{max: MaxSyncOutput}
	done := make(chan error, 1)
	go func() { done <- docker.Demux(stdout, stderr, h.Reader) }()

	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case err := <-done:
		if err != nil {
			return nil, fmt.Errorf("reading exec output: %w", err)
		}
	case <-expired:
		stopExec(e, execID, h, done)
		return nil, errdefs.Wrap(errdefs.ErrDeadlineExceeded,
			fmt.Errorf("command %q timed out after %s and was killed", cmd, timeout))
	case <-ctx.Done():
		stopExec(e, execID, h, done)
		return nil, ctx.Err()
	}
	code, err := ExitCode(ctx, e, execID)
	if err != nil {
		return nil, err
	}
	return &SyncResult{Stdout: stdout.buf, Stderr: stderr.buf, ExitCode: code}, nil
}

// stopExec kills an exec's processes and releases its stream.
func stopExec(e Engine, execID string, h docker.Hijacked, done <-chan error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Best effort: the stream is released below whatever happens, and an
	// exec that already finished needs no kill.
	_ = killExec(ctx, e, execID)
	h.Close()
	<-done
}

// killExec kills the exec's process and all its descendants. Docker's API
// has no way to signal an exec, so this is done from the host through the
// pid Docker reports.
func killExec(ctx context.Context, e Engine, execID string) error {
	for {
		info, err := e.ExecInspect(ctx, execID)
		if err != nil {
			return err
		}
		if !info.Running && info.Pid == 0 {
			// Not started yet: wait for it, it cannot be killed before.
		} else if !info.Running {
			return nil
		} else if info.Pid > 0 {
			return KillTree(info.Pid)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
