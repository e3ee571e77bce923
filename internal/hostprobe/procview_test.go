package hostprobe

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fakeProc(t *testing.T, pid int, cgroup string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, strconv.Itoa(pid))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup"), []byte(cgroup), 0o644))
	return root
}

func TestProcessViewCgroupNamespace(t *testing.T) {
	tests := []struct {
		name, cgroup string
		ok           bool
	}{
		{"host, cgroup v2", "0::/init.scope\n", true},
		{"host, cgroup v1", "12:memory:/\n11:cpu,cpuacct:/\n1:name=systemd:/init.scope\n0::/init.scope\n", true},
		{"private cgroupns, v2", "0::/../../../init.scope\n", false},
		{"private cgroupns, v1", "12:memory:/..\n0::/\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ProcessView(fakeProc(t, 1, tt.cgroup), "")
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrProcessView)
			assert.Contains(t, err.Error(), "--cgroupns=host")
		})
	}
}

// TestProcessViewThroughTheSocket: the check follows the process serving
// the socket (here this test process, visible in its own PID namespace).
func TestProcessViewThroughTheSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	pid, err := PeerPID(sock)
	require.NoError(t, err)
	assert.Equal(t, os.Getpid(), pid)

	assert.NoError(t, ProcessView(fakeProc(t, pid, "0::/system.slice/docker.service\n"), sock))
	err = ProcessView(fakeProc(t, pid, "0::/../docker.service\n"), sock)
	assert.ErrorIs(t, err, ErrProcessView)
	assert.NoError(t, ProcessView(fakeProc(t, pid, "0::/../x\n"), filepath.Join(t.TempDir(), "absent.sock")),
		"dockerd not answering yet: nothing to tell")
}
