package dockertest

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

func readAll(t *testing.T, rc io.ReadCloser, tty bool) []docker.LogMessage {
	t.Helper()
	defer rc.Close()
	r := docker.NewLogReader(rc, tty)
	var out []docker.LogMessage
	for {
		m, err := r.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, m)
	}
}

func TestLogStream(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	e := New(WithImage(busybox()), WithClock(func() time.Time { return clock }))
	id := create(t, e, "c1", nil)
	require.NoError(t, e.AppendLog(id, "stdout", "one\n"))
	clock = clock.Add(time.Second)
	require.NoError(t, e.AppendLog(id, "stderr", "two\n"))

	rc, err := e.LogStream(ctx, id, "", false)
	require.NoError(t, err)
	assert.Equal(t, []docker.LogMessage{
		{Stream: "stdout", Line: []byte("2024-05-01T10:00:00.000000000Z one\n")},
		{Stream: "stderr", Line: []byte("2024-05-01T10:00:01.000000000Z two\n")},
	}, readAll(t, rc, false))

	rc, err = e.LogStream(ctx, id, "1714557601.000000000", false)
	require.NoError(t, err)
	got := readAll(t, rc, false)
	require.Len(t, got, 1, "since is inclusive and skips earlier lines")
	assert.Equal(t, "stderr", got[0].Stream)

	_, err = e.LogStream(ctx, id, "yesterday", false)
	assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
	_, err = e.LogStream(ctx, "nope", "", false)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
}

func TestLogStreamFollow(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()))
	id, _, err := e.CreateContainer(ctx, "tty1", &container.Config{Image: "busybox", Tty: true}, nil, nil)
	require.NoError(t, err)
	require.NoError(t, e.StartContainer(ctx, id))
	require.NoError(t, e.AppendLog(id, "stdout", "first\n"))

	rc, err := e.LogStream(ctx, id, "", true)
	require.NoError(t, err)
	done := make(chan []docker.LogMessage)
	go func() { done <- readAll(t, rc, true) }()

	require.NoError(t, e.AppendLog(id, "stdout", "second\n"))
	require.NoError(t, e.StopContainer(ctx, id, 0))
	select {
	case got := <-done:
		require.Len(t, got, 2, "a follower sees new lines and ends when the container stops")
		assert.True(t, strings.HasSuffix(string(got[1].Line), " second\n"))
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not end when the container stopped")
	}
}

func TestLogStreamFollowCancelled(t *testing.T) {
	e := New(WithImage(busybox()))
	id := create(t, e, "c1", nil)
	require.NoError(t, e.StartContainer(context.Background(), id))
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := e.LogStream(ctx, id, "", true)
	require.NoError(t, err)
	cancel()
	_, err = io.ReadAll(rc)
	assert.ErrorIs(t, err, context.Canceled)
}
