package store

import (
	"context"
	"time"

	"github.com/dockercri/dockercri/docker"
)

// The store also keeps Docker's inspect data of the containers it holds, so
// the PodSandboxStatus and ContainerStatus calls kubelet makes on every
// relist cost no Docker round trip. The store keeps its own deep copy and
// hands each reader another (deepCopy): no caller shares anything with it.
//
// Inspect data lives until anything that could change it happens: a write
// to its entry (an event, a change dockercri records), or a desync. A
// start, exit or pause changes only a container's State and
// NetworkSettings: the data is then kept as stale, which Inspect does not
// serve but Static does, without those two parts.

// Inspect returns a copy of the cached inspect data of a full container id
// when it is current; ver is the entry's version, to pass to StoreInspect
// after reading Docker when it is not.
func (c *Containers) Inspect(id string) (in docker.ContainerInfo, ver uint64, ok bool) {
	c.mu.RLock()
	e, found := c.entries[id]
	if !found || !c.synced {
		c.mu.RUnlock()
		return docker.ContainerInfo{}, 0, false
	}
	cached, ver, stale := e.inspect, e.ver, e.stateStale
	c.mu.RUnlock()
	if cached == nil || stale {
		return docker.ContainerInfo{}, ver, false
	}
	return deepCopy(*cached), ver, true
}

// Static returns a copy of the cached inspect data of a full container id
// even when its state is stale; State and NetworkSettings are nil then. It
// serves callers that read only what a container keeps for its whole life
// (id, name, Config, HostConfig, image, mounts).
func (c *Containers) Static(id string) (docker.ContainerInfo, bool) {
	c.mu.RLock()
	e, found := c.entries[id]
	if !found || !c.synced || e.inspect == nil {
		c.mu.RUnlock()
		return docker.ContainerInfo{}, false
	}
	src, stale := *e.inspect, e.stateStale
	c.mu.RUnlock()
	if stale && src.ContainerJSONBase != nil {
		// Out of date: neither is handed out (nor copied).
		base := *src.ContainerJSONBase
		base.State = nil
		src.ContainerJSONBase, src.NetworkSettings = &base, nil
	}
	return deepCopy(src), true
}

// StoreInspect caches inspect data read from Docker, unless its container
// was written since ver was read (the data may predate that write), the
// store is not synced, or it does not hold the container.
func (c *Containers) StoreInspect(in docker.ContainerInfo, ver uint64) {
	if in.ContainerJSONBase == nil || in.Config == nil {
		return
	}
	own := deepCopy(in)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[in.ID]
	if !ok || !c.synced || e.ver != ver {
		return
	}
	e.inspect, e.stateStale = &own, false
}

// RecordCreated records a container dockercri created, from its inspect
// data: the entry and its inspect data in one write. The store takes in
// over (no copy: it was decoded for this write alone); the caller must
// not use it afterwards.
func (c *Containers) RecordCreated(in docker.ContainerInfo) {
	own := in
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &entry{sum: copySummary(docker.SummaryOf(in)), ver: c.nextLocked()}
	if c.synced && in.ContainerJSONBase != nil && in.Config != nil {
		e.inspect = &own
	}
	c.entries[in.ID] = e
	c.notifyLocked()
}

// Invalidate drops a container's cached inspect data and takes a new
// version, so an inspect read before now is not stored (an update, a
// failed start or stop whose outcome is unknown).
func (c *Containers) Invalidate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[id]; ok {
		e.inspect, e.ver = nil, c.nextLocked()
	}
}

// StaleState marks a container's cached State and NetworkSettings out of
// date and takes a new version.
func (c *Containers) StaleState(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[id]; ok {
		e.stateStale, e.ver = true, c.nextLocked()
	}
}

// WaitExited waits up to d for the store to hold container id in a state
// without a process (exited, created, dead). It is false when the store is
// not synced or does not hold id, or id still runs when d has passed.
func (c *Containers) WaitExited(ctx context.Context, id string, d time.Duration) bool {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	for {
		exited, changed := c.exited(id)
		if exited || changed == nil || timeout == nil {
			return exited
		}
		select {
		case <-changed:
		case <-timeout:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// exited is one look at id for WaitExited; changed is nil when waiting
// cannot help (the store is not synced or does not hold id).
func (c *Containers) exited(id string) (exited bool, changed <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	switch {
	case !c.synced || !ok:
		return false, nil
	case !Active(e.sum.State):
		return true, nil
	}
	if c.changed == nil {
		c.changed = make(chan struct{})
	}
	return false, c.changed
}

// Active reports whether a Docker state has a process (running, paused,
// restarting).
func Active(state string) bool {
	return state == "running" || state == "paused" || state == "restarting"
}
