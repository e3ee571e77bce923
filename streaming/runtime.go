// Package streaming runs exec, attach and port-forward sessions for
// dockercri. The protocols (SPDY and websocket) are k8s.io/cri-streaming's;
// this package implements its Runtime on Docker's hijacked exec and attach
// connections and on the pod's network namespace.
package streaming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	remotecommand "k8s.io/cri-streaming/pkg/streaming/remotecommand"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/metrics"
)

// Engine is what sessions need from Docker.
type Engine interface {
	InspectContainer(ctx context.Context, id string) (docker.ContainerInfo, error)
	ExecCreate(ctx context.Context, id string, cfg docker.ExecConfig) (string, error)
	ExecAttach(ctx context.Context, execID string, tty bool) (docker.Hijacked, error)
	ExecResize(ctx context.Context, execID string, height, width uint) error
	ExecInspect(ctx context.Context, execID string) (docker.ExecInfo, error)
	Attach(ctx context.Context, id string, stdin, stdout, stderr bool) (docker.Hijacked, error)
	Resize(ctx context.Context, id string, height, width uint) error
}

// Runtime implements k8s.io/cri-streaming's Runtime on Docker.
type Runtime struct {
	engine Engine
}

// NewRuntime returns a streaming runtime on engine.
func NewRuntime(engine Engine) *Runtime { return &Runtime{engine: engine} }

// ExitError carries a non-zero exit status; it satisfies the ExitError
// interface k8s.io/cri-streaming checks to send the code to the client.
type ExitError struct{ Code int }

func (e ExitError) Error() string   { return fmt.Sprintf("command terminated with exit code %d", e.Code) }
func (e ExitError) String() string  { return e.Error() }
func (e ExitError) Exited() bool    { return true }
func (e ExitError) ExitStatus() int { return e.Code }

// RequireRunning returns the container if it is running: NotFound for an
// unknown id, FailedPrecondition for one that is not running.
func RequireRunning(ctx context.Context, e Engine, id string) (*docker.ContainerInfo, error) {
	in, err := e.InspectContainer(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.State == nil || !in.State.Running {
		return nil, errdefs.FailedPrecondition("container %s is not running", id)
	}
	return &in, nil
}

// Exec runs cmd in the container with the client's streams.
func (r *Runtime) Exec(ctx context.Context, id string, cmd []string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	defer session("exec")()
	if _, err := RequireRunning(ctx, r.engine, id); err != nil {
		return err
	}
	execID, err := r.engine.ExecCreate(ctx, id, docker.ExecConfig{
		Cmd: cmd, Tty: tty, Stdin: in != nil, Stdout: out != nil, Stderr: errw != nil,
	})
	if err != nil {
		return err
	}
	h, err := r.engine.ExecAttach(ctx, execID, tty)
	if err != nil {
		return err
	}
	defer h.Close()
	stopResize := forwardResize(ctx, resize, func(rctx context.Context, ht, w uint) error {
		return r.engine.ExecResize(rctx, execID, ht, w)
	})
	defer stopResize()
	if err := pump(ctx, h, in, out, errw, tty); err != nil {
		if ctx.Err() != nil {
			// The client went away: nobody will read the command's output
			// or wait for it, so do not leave it running.
			kctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = killExec(kctx, r.engine, execID)
		}
		return err
	}
	code, err := ExitCode(ctx, r.engine, execID)
	if err != nil {
		return err
	}
	if code != 0 {
		return ExitError{Code: code}
	}
	return nil
}

// Attach connects the client's streams to the container's main process.
// Detaching (the client going away) leaves the container running.
func (r *Runtime) Attach(ctx context.Context, id string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	defer session("attach")()
	if _, err := RequireRunning(ctx, r.engine, id); err != nil {
		return err
	}
	h, err := r.engine.Attach(ctx, id, in != nil, out != nil, errw != nil)
	if err != nil {
		return err
	}
	defer h.Close()
	stopResize := forwardResize(ctx, resize, func(rctx context.Context, ht, w uint) error {
		return r.engine.Resize(rctx, id, ht, w)
	})
	defer stopResize()
	return pump(ctx, h, in, out, errw, tty)
}

// session counts an open session of kind until the returned func runs.
func session(kind string) func() {
	g := metrics.StreamSessions.WithLabelValues(kind)
	g.Inc()
	return g.Dec
}

// pump copies stdin to the session and its output to the client until the
// session's output ends or ctx is done.
func pump(ctx context.Context, h docker.Hijacked, in io.Reader, out, errw io.WriteCloser, tty bool) error {
	stop := context.AfterFunc(ctx, func() { h.Close() })
	defer stop()
	if in != nil {
		go func() {
			_, _ = io.Copy(h.Conn, in)
			_ = h.CloseWrite()
		}()
	}
	stdout, stderr := writerOrDiscard(out), writerOrDiscard(errw)
	var err error
	if tty {
		_, err = io.Copy(stdout, h.Reader)
	} else {
		err = docker.Demux(stdout, stderr, h.Reader)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("streaming session output: %w", err)
	}
	return nil
}

func writerOrDiscard(w io.WriteCloser) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// forwardResize applies terminal size changes until the returned stop is
// called.
func forwardResize(ctx context.Context, sizes <-chan remotecommand.TerminalSize, apply func(context.Context, uint, uint) error) func() {
	if sizes == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case size, ok := <-sizes:
				if !ok {
					return
				}
				if size.Height == 0 && size.Width == 0 {
					continue
				}
				_ = apply(ctx, uint(size.Height), uint(size.Width))
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// ExitCode waits for Docker to record the exec's exit (its output can end a
// moment before) and returns the code.
func ExitCode(ctx context.Context, e Engine, execID string) (int, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, err := e.ExecInspect(ctx, execID)
		if err != nil {
			return 0, err
		}
		if !info.Running || time.Now().After(deadline) {
			return info.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
