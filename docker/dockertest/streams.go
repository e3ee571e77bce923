package dockertest

import (
	"bufio"
	"context"
	"io"
	"net"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

// ProcessFunc plays an exec'd command or a container's main process on an
// attach: it reads stdin (nil when not attached), writes its output and
// returns the exit code.
type ProcessFunc func(cmd []string, stdin io.Reader, stdout, stderr io.Writer) int

// WithExec sets what exec'd commands do (default: exit 0 at once).
func WithExec(f ProcessFunc) Option { return func(e *Engine) { e.exec = f } }

// WithAttach sets what an attach to a container's main process sees
// (default: the stream ends at once).
func WithAttach(f ProcessFunc) Option { return func(e *Engine) { e.attach = f } }

type execSession struct {
	id        string
	container string
	cfg       docker.ExecConfig
	started   bool
	running   bool
	exitCode  int
}

type termSize struct{ height, width uint }

func (e *Engine) streams() {
	if e.execs == nil {
		e.execs = map[string]*execSession{}
		e.sizes = map[string]termSize{}
	}
}

// ExecCreate prepares a command in a running container.
func (e *Engine) ExecCreate(ctx context.Context, id string, cfg docker.ExecConfig) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "ExecCreate"); err != nil {
		return "", err
	}
	c, err := e.lookup(id)
	if err != nil {
		return "", err
	}
	if !c.State.Running {
		// Docker answers 409 Conflict, which the client classifies so.
		return "", errdefs.AlreadyExists("container %s is not running", c.ID)
	}
	if len(cfg.Cmd) == 0 {
		return "", errdefs.InvalidArgument("no exec command specified")
	}
	e.streams()
	s := &execSession{id: newID(), container: c.ID, cfg: cfg}
	s.cfg.Cmd = append([]string(nil), cfg.Cmd...)
	e.execs[s.id] = s
	return s.id, nil
}

// ExecAttach starts an exec session; the command runs until it returns.
func (e *Engine) ExecAttach(ctx context.Context, execID string, tty bool) (docker.Hijacked, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "ExecAttach"); err != nil {
		return docker.Hijacked{}, err
	}
	e.streams()
	s, ok := e.execs[execID]
	if !ok {
		return docker.Hijacked{}, errdefs.NotFound("No such exec instance: %s", execID)
	}
	if s.started {
		return docker.Hijacked{}, errdefs.AlreadyExists("exec %s has already been started", execID)
	}
	s.started, s.running = true, true
	run := e.exec
	return e.serve(run, s.cfg.Cmd, tty, s.cfg.Stdin, func(code int) {
		e.mu.Lock()
		s.running, s.exitCode = false, code
		e.mu.Unlock()
	}), nil
}

// serve runs p on one end of a pipe and returns the other, multiplexing
// stdout and stderr as Docker does without a TTY.
func (e *Engine) serve(p ProcessFunc, cmd []string, tty, stdin bool, done func(int)) docker.Hijacked {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		var in io.Reader
		if stdin {
			in = server
		}
		stdout, stderr := io.Writer(server), io.Writer(server)
		if !tty {
			stdout, stderr = stdcopy.NewStdWriter(server, stdcopy.Stdout), stdcopy.NewStdWriter(server, stdcopy.Stderr)
		}
		code := 0
		if p != nil {
			code = p(cmd, in, stdout, stderr)
		}
		done(code)
	}()
	return types.HijackedResponse{Conn: client, Reader: bufio.NewReader(client)}
}

// ExecResize records an exec session's terminal size.
func (e *Engine) ExecResize(ctx context.Context, execID string, height, width uint) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "ExecResize"); err != nil {
		return err
	}
	e.streams()
	if _, ok := e.execs[execID]; !ok {
		return errdefs.NotFound("No such exec instance: %s", execID)
	}
	e.sizes[execID] = termSize{height, width}
	return nil
}

// ExecInspect reports whether the session runs and its exit code.
func (e *Engine) ExecInspect(ctx context.Context, execID string) (docker.ExecInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "ExecInspect"); err != nil {
		return docker.ExecInfo{}, err
	}
	e.streams()
	s, ok := e.execs[execID]
	if !ok {
		return docker.ExecInfo{}, errdefs.NotFound("No such exec instance: %s", execID)
	}
	return container.ExecInspect{ExecID: s.id, ContainerID: s.container, Running: s.running, ExitCode: s.exitCode}, nil
}

// Attach connects to a running container's main process (see WithAttach).
func (e *Engine) Attach(ctx context.Context, id string, stdin, _, _ bool) (docker.Hijacked, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "Attach"); err != nil {
		return docker.Hijacked{}, err
	}
	c, err := e.lookup(id)
	if err != nil {
		return docker.Hijacked{}, err
	}
	if !c.State.Running {
		return docker.Hijacked{}, errdefs.AlreadyExists("you cannot attach to a stopped container %s, start it first", c.ID)
	}
	cmd := append(append([]string(nil), c.Config.Entrypoint...), c.Config.Cmd...)
	return e.serve(e.attach, cmd, c.Config.Tty, stdin, func(int) {}), nil
}

// Resize records a container's terminal size.
func (e *Engine) Resize(ctx context.Context, id string, height, width uint) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "Resize"); err != nil {
		return err
	}
	c, err := e.lookup(id)
	if err != nil {
		return err
	}
	e.streams()
	e.sizes[c.ID] = termSize{height, width}
	return nil
}

// TerminalSize is the last size set for a container or exec session id.
func (e *Engine) TerminalSize(id string) (height, width uint) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.sizes[id]
	return s.height, s.width
}
