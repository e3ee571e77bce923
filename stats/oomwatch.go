package stats

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// OOMKills is what an OOM watch saw of a cgroup's OOM kills.
type OOMKills struct {
	Count uint64
	// FromParent: the cgroup was gone before its own count could be read
	// (the killed process was reaped and its cgroup removed between the
	// kernel's notice and the read), and Count is what the parent's
	// hierarchical memory.events gained since the watch began. A sibling
	// killed in that window would be counted too, so callers should want
	// more evidence (the process ended by SIGKILL) before they trust it.
	FromParent bool
}

// WatchOOMKills follows the OOM kills in a cgroup v2 cgroup until it is
// empty or gone, or ctx ends: each change of memory.events calls onKills
// with its oom_kill count (when non-zero), or with what the parent's count
// gained when the cgroup went before its own count could be read
// (OOMKills.FromParent). The kernel notifies changes of
// memory.events and cgroup.events through inotify, as containerd's shim
// watches them; containerd/cgroups/v3's EventChan does the same but cannot
// be stopped by its caller, and every goroutine here has an owner that
// waits for it. On cgroup v1 it returns at once (Docker sees those OOMs).
func (r *Reader) WatchOOMKills(ctx context.Context, cg Cgroup, onKills func(OOMKills)) error {
	if !cg.V2 {
		return nil
	}
	dir := filepath.Join(r.CgroupRoot, cg.Unified)
	// memory.events counts a cgroup's descendants too: the parent keeps
	// the count of a cgroup that is gone. Its base is read first.
	parent := filepath.Join(filepath.Dir(dir), "memory.events")
	base, _ := readKeyed(parent)
	raw, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return fmt.Errorf("inotify: %w", err)
	}
	f := os.NewFile(uintptr(raw), "inotify") // non-blocking: reads park on the poller
	defer f.Close()
	for _, name := range []string{"memory.events", "cgroup.events"} {
		if _, err := unix.InotifyAddWatch(raw, filepath.Join(dir, name), unix.IN_MODIFY); err != nil {
			if errors.Is(err, unix.ENOENT) {
				return nil // gone already
			}
			return fmt.Errorf("watching %s: %w", filepath.Join(dir, name), err)
		}
	}
	stop := context.AfterFunc(ctx, func() { _ = f.Close() })
	defer stop()
	seen := false
	check := func() (done bool) {
		ev, err := readKeyed(filepath.Join(dir, "memory.events"))
		if err == nil && ev["oom_kill"] > 0 {
			seen = true
			onKills(OOMKills{Count: ev["oom_kill"]})
		}
		if gone(dir) {
			if seen {
				return true
			}
			if now, err := readKeyed(parent); err == nil && now["oom_kill"] > base["oom_kill"] {
				onKills(OOMKills{Count: now["oom_kill"] - base["oom_kill"], FromParent: true})
			}
			return true
		}
		st, err := readKeyed(filepath.Join(dir, "cgroup.events"))
		return err != nil || st["populated"] == 0
	}
	if check() {
		return nil
	}
	buf := make([]byte, 64*unix.SizeofInotifyEvent)
	for {
		if _, err := f.Read(buf); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("reading inotify events: %w", err)
		}
		if check() {
			return nil
		}
	}
}

// gone reports whether a cgroup directory no longer exists.
func gone(dir string) bool {
	return errors.Is(unix.Access(dir, unix.F_OK), unix.ENOENT)
}
