package stats

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRootUpperDir(t *testing.T) {
	const snap = "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots"
	tests := []struct {
		name, mountinfo, want string
	}{
		{"containerd snapshot", "1403 1268 0:112 / / rw,relatime master:464 - overlay overlay rw,lowerdir=" + snap + "/3/fs:" + snap + "/2/fs,upperdir=" + snap + "/41/fs,workdir=" + snap + "/41/work\n" +
			"1404 1403 0:115 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n", snap + "/41/fs"},
		{"overlay2 graph driver", "10 1 0:50 / / rw - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A,upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/var/lib/docker/overlay2/abc/work\n", "/var/lib/docker/overlay2/abc/diff"},
		{"root remounted: the last one counts", "10 1 8:1 / / rw - ext4 /dev/sda1 rw\n11 10 0:50 / / rw - overlay overlay rw,upperdir=/u/fs,workdir=/u/work\n", "/u/fs"},
		{"not an overlay", "10 1 8:1 / / rw - ext4 /dev/sda1 rw\n", ""},
		{"no upperdir", "10 1 0:50 / / ro - overlay overlay ro,lowerdir=/a:/b\n", ""},
		{"no root", "10 1 0:50 / /data rw - tmpfs tmpfs rw\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, map[string]string{"proc/42/mountinfo": tt.mountinfo, "proc/42/stat": "42 (sh) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n"})
			r := &Reader{ProcRoot: filepath.Join(root, "proc")}
			got, err := r.RootUpperDir(42)
			if tt.want == "" {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := (&Reader{ProcRoot: t.TempDir()}).RootUpperDir(7)
	assert.Error(t, err, "no such process")
}

func TestSnapshotterRoot(t *testing.T) {
	assert.Equal(t, "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs",
		SnapshotterRoot("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/41/fs"))
	assert.Equal(t, "/r", SnapshotterRoot("/r/snapshots/1/fs/"))
	assert.Equal(t, "", SnapshotterRoot("/var/lib/docker/overlay2/abc/diff"))
	assert.Equal(t, "", SnapshotterRoot("/snapshots/x"))
}
