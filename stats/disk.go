package stats

import (
	"context"
	"io/fs"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/dockercri/dockercri/internal/owner"
)

// DiskUsage is the space a directory tree takes.
type DiskUsage struct {
	Bytes, Inodes uint64
	Time          time.Time
}

// DiskCache keeps the usage of containers' writable layers, walked in the
// background: a request never waits for a directory walk. One walk runs at
// a time, so that a hundred layers going stale together do not become a
// hundred walkers competing with requests for the node's CPUs.
type DiskCache struct {
	MaxAge time.Duration

	mu      sync.Mutex
	entries map[string]DiskUsage
	asked   map[string]time.Time // when Get last asked for a directory
	swept   time.Time
	queued  map[string]bool // waiting for or in its walk
	queue   []string
	walker  bool // the walker goroutine is running
	walks   *owner.Group
}

// diskForgetAfter is how long a directory nobody asks for stays cached: its
// container is gone (the cache needs no word of a removal).
const diskForgetAfter = 5 * time.Minute

// NewDiskCache refreshes entries older than maxAge.
func NewDiskCache(maxAge time.Duration) *DiskCache {
	return &DiskCache{
		MaxAge: maxAge, entries: map[string]DiskUsage{}, asked: map[string]time.Time{},
		queued: map[string]bool{}, walks: owner.New(context.Background()),
	}
}

// Get returns the cached usage of dir (ok false before the first walk
// finished) and queues a background walk when it is missing or stale.
func (c *DiskCache) Get(dir string) (DiskUsage, bool) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked[dir] = now
	c.sweepLocked(now)
	u, ok := c.entries[dir]
	if (!ok || now.Sub(u.Time) > c.MaxAge) && !c.queued[dir] {
		c.queued[dir] = true
		c.queue = append(c.queue, dir)
		if !c.walker {
			c.walker = c.walks.Go(c.walkQueue)
		}
	}
	return u, ok
}

// sweepLocked drops, at most once a minute, the directories nobody asked
// for in diskForgetAfter.
func (c *DiskCache) sweepLocked(now time.Time) {
	if now.Sub(c.swept) < time.Minute {
		return
	}
	c.swept = now
	for dir, at := range c.asked {
		if now.Sub(at) > diskForgetAfter && !c.queued[dir] {
			delete(c.asked, dir)
			delete(c.entries, dir)
		}
	}
}

// Close stops the walk in progress and waits for it.
func (c *DiskCache) Close() { c.walks.Stop() }

// walkQueue walks the queued directories one after another until the queue
// is empty or ctx ends.
func (c *DiskCache) walkQueue(ctx context.Context) {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || ctx.Err() != nil {
			c.walker = false
			c.mu.Unlock()
			return
		}
		dir := c.queue[0]
		c.queue = c.queue[1:]
		c.mu.Unlock()
		c.walk(ctx, dir)
	}
}

func (c *DiskCache) walk(ctx context.Context, dir string) {
	u := DiskUsage{Time: time.Now()}
	seen := map[uint64]bool{}
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return nil // vanished meanwhile or unreadable: count the rest
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			if seen[st.Ino] {
				return nil // hard link counted once
			}
			seen[st.Ino] = true
			u.Bytes += uint64(st.Blocks) * 512
		} else {
			u.Bytes += uint64(info.Size())
		}
		u.Inodes++
		return nil
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.queued, dir)
	if _, wanted := c.asked[dir]; err == nil && wanted {
		c.entries[dir] = u
	}
}
