package stats

import (
	"fmt"
	"path/filepath"

	"github.com/prometheus/procfs"
)

// RootUpperDir returns the host path of the writable layer of process
// pid's root file system: the upperdir of the overlay mounted at "/" in
// its mount namespace. It is how a container's writable layer is found
// when the engine does not report it (Docker's containerd image store
// keeps it in a containerd snapshot and inspect carries no UpperDir).
func (r *Reader) RootUpperDir(pid int) (string, error) {
	fs, err := procfs.NewFS(r.ProcRoot)
	if err != nil {
		return "", err
	}
	p, err := fs.Proc(pid)
	if err != nil {
		return "", err
	}
	mounts, err := p.MountInfo()
	if err != nil {
		return "", fmt.Errorf("mountinfo of pid %d: %w", pid, err)
	}
	// The last mount at "/" is the one the process sees.
	for i := len(mounts) - 1; i >= 0; i-- {
		m := mounts[i]
		if m.MountPoint != "/" {
			continue
		}
		upper := m.SuperOptions["upperdir"]
		if m.FSType != "overlay" || upper == "" || !filepath.IsAbs(upper) {
			return "", fmt.Errorf("root of pid %d is %s, not an overlay with an upper directory", pid, m.FSType)
		}
		return filepath.Clean(upper), nil
	}
	return "", fmt.Errorf("pid %d has no root mount", pid)
}

// SnapshotterRoot returns the root of the containerd overlay snapshotter
// that holds upper, a snapshot's writable directory
// (<root>/snapshots/<n>/fs), or "" when upper is not laid out so.
func SnapshotterRoot(upper string) string {
	fsDir := filepath.Clean(upper)
	snap := filepath.Dir(fsDir)
	snapshots := filepath.Dir(snap)
	if filepath.Base(fsDir) != "fs" || filepath.Base(snapshots) != "snapshots" {
		return ""
	}
	return filepath.Dir(snapshots)
}
