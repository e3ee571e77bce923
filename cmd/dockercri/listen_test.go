package main

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSocketPath(t *testing.T) {
	p, err := socketPath("unix:///run/dockercri.sock")
	require.NoError(t, err)
	assert.Equal(t, "/run/dockercri.sock", p)
	for _, bad := range []string{"/run/x.sock", "unix://", "unix://rel.sock", "tcp://127.0.0.1:1"} {
		_, err := socketPath(bad)
		assert.Error(t, err, bad)
	}
}

// TestListen: the socket is created 0660; a stale socket file is replaced,
// a live one and a file that is no socket are refused.
func TestListen(t *testing.T) {
	dir, err := os.MkdirTemp("", "dcri-listen-") // short: sun_path is 108 bytes
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "cri.sock")

	l, err := listen("unix://" + path)
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o660), fi.Mode().Perm())

	_, err = listen("unix://" + path)
	assert.ErrorContains(t, err, "in use", "a live socket is not replaced")

	// A socket file nobody listens on (a killed predecessor's).
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	require.NoError(t, l.Close())
	l, err = listen("unix://" + path)
	require.NoError(t, err, "a stale socket is replaced")
	require.NoError(t, l.Close())

	plain := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(plain, nil, 0o644))
	_, err = listen("unix://" + plain)
	assert.ErrorContains(t, err, "not a socket")
}

func TestDockerSocketPath(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///run/other/docker.sock")
	for endpoint, want := range map[string]string{
		"unix:///var/run/docker.sock": "/var/run/docker.sock",
		"tcp://127.0.0.1:2375":        "",
		"":                            "/run/other/docker.sock",
	} {
		if got := dockerSocketPath(endpoint); got != want {
			t.Errorf("dockerSocketPath(%q) = %q, want %q", endpoint, got, want)
		}
	}
}
