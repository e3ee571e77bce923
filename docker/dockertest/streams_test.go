package dockertest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

func upper(cmd []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if stdin != nil {
		buf, _ := io.ReadAll(io.LimitReader(stdin, 3))
		_, _ = stdout.Write(bytes.ToUpper(buf))
	}
	_, _ = io.WriteString(stderr, strings.Join(cmd, " "))
	return 3
}

func TestExecSession(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()), WithExec(upper))
	id := create(t, e, "c1", nil)

	_, err := e.ExecCreate(ctx, id, docker.ExecConfig{Cmd: []string{"sh"}})
	assert.ErrorIs(t, err, errdefs.ErrAlreadyExists, "a stopped container takes no exec (Docker's 409)")
	require.NoError(t, e.StartContainer(ctx, id))
	_, err = e.ExecCreate(ctx, id, docker.ExecConfig{})
	assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)

	execID, err := e.ExecCreate(ctx, id, docker.ExecConfig{Cmd: []string{"up", "case"}, Stdin: true, Stdout: true, Stderr: true})
	require.NoError(t, err)
	h, err := e.ExecAttach(ctx, execID, false)
	require.NoError(t, err)
	defer h.Close()
	_, err = h.Conn.Write([]byte("abc"))
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	require.NoError(t, docker.Demux(&stdout, &stderr, h.Reader))
	assert.Equal(t, "ABC", stdout.String())
	assert.Equal(t, "up case", stderr.String())

	require.Eventually(t, func() bool {
		info, err := e.ExecInspect(ctx, execID)
		return err == nil && !info.Running && info.ExitCode == 3
	}, time.Second, 5*time.Millisecond)
	_, err = e.ExecAttach(ctx, execID, false)
	assert.ErrorIs(t, err, errdefs.ErrAlreadyExists, "a session starts once")

	require.NoError(t, e.ExecResize(ctx, execID, 24, 80))
	h24, w80 := e.TerminalSize(execID)
	assert.Equal(t, [2]uint{24, 80}, [2]uint{h24, w80})
	_, err = e.ExecInspect(ctx, "nope")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
}

func TestAttach(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()), WithAttach(func(_ []string, _ io.Reader, stdout, _ io.Writer) int {
		_, _ = io.WriteString(stdout, "hello\n")
		return 0
	}))
	id := create(t, e, "c1", nil)
	_, err := e.Attach(ctx, id, false, true, true)
	assert.ErrorIs(t, err, errdefs.ErrAlreadyExists)
	require.NoError(t, e.StartContainer(ctx, id))
	h, err := e.Attach(ctx, id, false, true, true)
	require.NoError(t, err)
	defer h.Close()
	var stdout bytes.Buffer
	require.NoError(t, docker.Demux(&stdout, io.Discard, h.Reader))
	assert.Equal(t, "hello\n", stdout.String())

	require.NoError(t, e.Resize(ctx, id, 40, 120))
	hh, ww := e.TerminalSize(id)
	assert.Equal(t, [2]uint{40, 120}, [2]uint{hh, ww})
	assert.ErrorIs(t, e.Resize(ctx, "nope", 1, 1), errdefs.ErrNotFound)
}
