package docker

import (
	"context"
	"io"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// Hijacked is a raw two-way stream of an exec or attach session.
type Hijacked = types.HijackedResponse

// ExecInfo is the state of an exec session.
type ExecInfo = container.ExecInspect

// ExecConfig says what an exec session runs and which streams it has.
type ExecConfig struct {
	Cmd                   []string
	Tty                   bool
	Stdin, Stdout, Stderr bool
}

// ExecCreate prepares a command in a running container and returns its id.
func (c *Client) ExecCreate(ctx context.Context, id string, cfg ExecConfig) (string, error) {
	resp, err := c.api.ContainerExecCreate(ctx, id, container.ExecOptions{
		Cmd: cfg.Cmd, Tty: cfg.Tty,
		AttachStdin: cfg.Stdin, AttachStdout: cfg.Stdout, AttachStderr: cfg.Stderr,
	})
	if err != nil {
		return "", classify(err, "exec in container %s", id)
	}
	return resp.ID, nil
}

// ExecAttach starts an exec session and returns its stream.
func (c *Client) ExecAttach(ctx context.Context, execID string, tty bool) (Hijacked, error) {
	h, err := c.api.ContainerExecAttach(ctx, execID, container.ExecAttachOptions{Tty: tty})
	return h, classify(err, "start exec %s", execID)
}

// ExecResize resizes an exec session's terminal.
func (c *Client) ExecResize(ctx context.Context, execID string, height, width uint) error {
	err := c.api.ContainerExecResize(ctx, execID, container.ResizeOptions{Height: height, Width: width})
	return classify(err, "resize exec %s", execID)
}

// ExecInspect returns an exec session's state (exit code, host pid).
func (c *Client) ExecInspect(ctx context.Context, execID string) (ExecInfo, error) {
	info, err := c.api.ContainerExecInspect(ctx, execID)
	return info, classify(err, "inspect exec %s", execID)
}

// Attach connects to a running container's main process streams.
func (c *Client) Attach(ctx context.Context, id string, stdin, stdout, stderr bool) (Hijacked, error) {
	h, err := c.api.ContainerAttach(ctx, id, container.AttachOptions{
		Stream: true, Stdin: stdin, Stdout: stdout, Stderr: stderr,
	})
	return h, classify(err, "attach to container %s", id)
}

// Resize resizes a container's terminal.
func (c *Client) Resize(ctx context.Context, id string, height, width uint) error {
	err := c.api.ContainerResize(ctx, id, container.ResizeOptions{Height: height, Width: width})
	return classify(err, "resize container %s", id)
}

// Demux splits Docker's multiplexed stdout/stderr stream (used when there
// is no TTY) into its two writers.
func Demux(stdout, stderr io.Writer, src io.Reader) error {
	_, err := stdcopy.StdCopy(stdout, stderr, src)
	return err
}
