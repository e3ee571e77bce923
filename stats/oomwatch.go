package stats

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// WatchOOMKills follows the OOM kills in a cgroup v2 cgroup until it is
// empty or gone, or ctx ends: each change of memory.events calls onKills
// with its oom_kill count (when non-zero). The kernel notifies changes of
// memory.events and cgroup.events through inotify, as containerd's shim
// watches them; containerd/cgroups/v3's EventChan does the same but cannot
// be stopped by its caller, and every goroutine here has an owner that
// waits for it. On cgroup v1 it returns at once (Docker sees those OOMs).
func (r *Reader) WatchOOMKills(ctx context.Context, cg Cgroup, onKills func(uint64)) error {
	if !cg.V2 {
		return nil
	}
	dir := filepath.Join(r.CgroupRoot, cg.Unified)
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
	check := func() (done bool) {
		ev, err := readKeyed(filepath.Join(dir, "memory.events"))
		if err == nil && ev["oom_kill"] > 0 {
			onKills(ev["oom_kill"])
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
