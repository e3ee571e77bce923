// Package store holds what dockercri knows of Docker's CRI sandboxes and
// containers: Docker's list of them, kept current by one event loop (which
// applies Docker's events) and by the handlers, which record their own
// writes with explicit calls (read-your-writes), plus the inspect data of
// each. Every entry carries its own version, bumped by every write to it;
// an inspect read from Docker is stored only if its container's version did
// not move meanwhile. Readers get snapshots: copies they may change.
//
// While the store is not synced (no event stream, or a list failed) it
// answers nothing and callers ask Docker.
package store

import (
	"maps"
	"sync"
	"time"

	"github.com/dockercri/dockercri/docker"
)

// Containers is the store of CRI sandboxes and containers.
type Containers struct {
	mu      sync.RWMutex
	synced  bool
	listed  time.Time // when the last full list was taken
	seq     uint64    // source of versions: every write takes the next
	entries map[string]*entry

	wake    chan struct{} // a desync asks the event loop to relist
	changed chan struct{} // closed at the next write (WaitExited)
}

// entry is one container. Its summary is replaced, never changed in
// place, so a Summary handed out shares nothing that changes.
type entry struct {
	sum docker.ContainerSummary
	ver uint64
	// inspect is the store's own copy of Docker's inspect data (nil: not
	// cached), never handed out; stateStale says its State and
	// NetworkSettings are out of date (a start, exit or pause happened
	// since).
	inspect    *docker.ContainerInfo
	stateStale bool
	// memo is the caller's converted form of sum (CRI objects): kept until
	// sum changes (writes to the inspect data alone leave it).
	memo any
	// stats is what the stats path keeps between requests (stats.go); it
	// survives a relist or a reread of the same container.
	stats *StatsState
}

// Entry is one listed container as the store hands it out.
type Entry struct {
	Summary docker.ContainerSummary
	Version uint64
	// Memo is what a caller memoized for this version (nil if nothing).
	Memo any
}

// NewContainers returns an empty, unsynced store.
func NewContainers() *Containers {
	return &Containers{entries: map[string]*entry{}, wake: make(chan struct{}, 1)}
}

func (c *Containers) nextLocked() uint64 {
	c.seq++
	return c.seq
}

// notifyLocked wakes WaitExited callers after a write.
func (c *Containers) notifyLocked() {
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

func copySummary(s docker.ContainerSummary) docker.ContainerSummary {
	s.Labels = maps.Clone(s.Labels)
	s.Names = append([]string(nil), s.Names...)
	s.Ports = append(s.Ports[:0:0], s.Ports...)
	s.Mounts = append(s.Mounts[:0:0], s.Mounts...)
	return s
}

// List returns the entries whose label key has value (the CRI type label
// selects sandboxes or containers); ok is false while the store is not
// synced. An entry without a memo
// carries a copy of its summary, for the caller to convert; one with a
// memo shares it and must not be changed.
func (c *Containers) List(key, value string) ([]Entry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.synced {
		return nil, false
	}
	out := make([]Entry, 0, len(c.entries))
	for _, e := range c.entries {
		if v, ok := e.sum.Labels[key]; !ok || v != value {
			continue
		}
		if e.memo != nil {
			// The memo serves the caller; the summary is not copied.
			out = append(out, Entry{Summary: e.sum, Version: e.ver, Memo: e.memo})
		} else {
			out = append(out, Entry{Summary: copySummary(e.sum), Version: e.ver})
		}
	}
	return out, true
}

// Memo keeps v as the converted form of entry id at version ver, unless
// the entry changed since. v is shared by every later List: it must not
// be changed by anyone.
func (c *Containers) Memo(id string, ver uint64, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[id]; ok && e.ver == ver {
		e.memo = v
	}
}

// WithLabel returns the summaries whose label key has value; ok is false
// while the store is not synced.
func (c *Containers) WithLabel(key, value string) ([]docker.ContainerSummary, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.synced {
		return nil, false
	}
	var out []docker.ContainerSummary
	for _, e := range c.entries {
		if v, ok := e.sum.Labels[key]; ok && v == value {
			out = append(out, e.sum)
		}
	}
	return out, true
}

// Has reports whether the store holds id.
func (c *Containers) Has(id string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.entries[id]
	return ok
}

// StateOf is a container's state ("running", "exited", …); ok is false
// when the store is not synced or does not hold id.
func (c *Containers) StateOf(id string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.entries[id]
	if !ok || !c.synced {
		return "", false
	}
	return e.sum.State, true
}

// Version is the entry's current version (0 when the store does not hold
// id): pass it to RecordStateIf or StoreInspect after a Docker call.
func (c *Containers) Version(id string) uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e, ok := c.entries[id]; ok {
		return e.ver
	}
	return 0
}

// Synced reports whether the store mirrors Docker.
func (c *Containers) Synced() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.synced
}

// Stale reports whether an event predates the last full list (which
// already reflects it).
func (c *Containers) Stale(at time.Time) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return at.Before(c.listed)
}

// Replace installs a full list taken at time at: the store is synced.
func (c *Containers) Replace(all []docker.ContainerSummary, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entries := make(map[string]*entry, len(all))
	for _, s := range all {
		e := &entry{sum: copySummary(s), ver: c.nextLocked()}
		if old, ok := c.entries[s.ID]; ok {
			e.stats = old.stats
		}
		entries[s.ID] = e
	}
	c.entries, c.listed, c.synced = entries, at, true
	c.notifyLocked()
}

// Desync marks the store unsynced (callers ask Docker) and asks the event
// loop to relist it.
func (c *Containers) Desync() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.synced = false
	for _, e := range c.entries {
		e.ver, e.inspect, e.memo = c.nextLocked(), nil, nil
	}
	c.notifyLocked()
	select {
	case c.wake <- struct{}{}:
	default: // already asked
	}
}

// ResyncRequested is ready when a Desync asked for a relist.
func (c *Containers) ResyncRequested() <-chan struct{} { return c.wake }

// ClearResyncRequest drops a pending request (a relist follows anyway).
func (c *Containers) ClearResyncRequest() {
	select {
	case <-c.wake:
	default:
	}
}

// Put records a container as Docker lists it (created, renamed, or read
// again): a new version, no cached inspect data.
func (c *Containers) Put(s docker.ContainerSummary) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &entry{sum: copySummary(s), ver: c.nextLocked()}
	if old, ok := c.entries[s.ID]; ok {
		e.stats = old.stats
	}
	c.entries[s.ID] = e
	c.notifyLocked()
}

// Remove records that a container is gone.
func (c *Containers) Remove(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
	c.notifyLocked()
}

// RecordState records a container's new state (from an event); ok is
// false when the store does not hold it. Cached inspect data keeps only
// what a state change leaves alone (see Static).
func (c *Containers) RecordState(id, state string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok {
		return false
	}
	c.setStateLocked(e, state)
	return true
}

// RecordStateIf is RecordState for a change dockercri made itself (read
// your writes): skipped when the entry was written since ver was read. The
// event stream may be faster than the call's answer: a container that
// exits at once has its start and die events applied before StartContainer
// returns, and "running" would then overwrite the exit for good.
func (c *Containers) RecordStateIf(id, state string, ver uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok {
		return
	}
	if e.ver != ver {
		// Still, the container changed: what was cached of its state is
		// out of date, and an inspect read before now must not be stored.
		e.stateStale, e.ver = true, c.nextLocked()
		return
	}
	c.setStateLocked(e, state)
}

func (c *Containers) setStateLocked(e *entry, state string) {
	sum := e.sum
	sum.State = state
	e.sum, e.ver, e.memo, e.stateStale = sum, c.nextLocked(), nil, true
	c.notifyLocked()
}
