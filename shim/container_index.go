package shim

import (
	"context"
	"sync"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/translate"
)

// containerIndex is an in-memory copy of Docker's list of CRI sandboxes
// and containers, so that the List calls kubelet makes every second cost
// no Docker round trip. It is filled by a full list, kept current by
// Docker's event stream and by dockercri's own calls (read-your-writes),
// and relisted after the event stream reconnects. While it is not synced
// (no event stream) List calls go to Docker directly.
type containerIndex struct {
	mu      sync.RWMutex
	synced  bool
	listed  time.Time // when the last full list was taken
	entries map[string]indexEntry

	inspects map[string]cachedInspectEntry // see container_inspect_cache.go
	gen      uint64                        // counts invalidations

	wake    chan struct{} // a desync asks the event watcher to relist
	changed chan struct{} // closed at the next change of an entry (see waitSettled)
}

// indexEntry is one container as Docker lists it, with its CRI form once a
// List call has converted it (kept until the entry changes).
type indexEntry struct {
	sum       docker.ContainerSummary
	ver       uint64 // gen when sum was last written
	sandbox   *runtimeapi.PodSandbox
	container *runtimeapi.Container
}

// list returns the entries of one type (sandbox or container); ok is
// false while the index is not synced.
func (x *containerIndex) list(typ string) ([]indexEntry, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.synced {
		return nil, false
	}
	out := make([]indexEntry, 0, len(x.entries))
	for _, e := range x.entries {
		if e.sum.Labels[translate.LabelType] == typ {
			out = append(out, e)
		}
	}
	return out, true
}

// memo keeps the CRI form of entry e, unless the entry changed since it
// was listed. The objects are shared by every later List response, so
// nothing may modify them.
func (x *containerIndex) memo(e indexEntry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	cur, ok := x.entries[e.sum.ID]
	if !ok || cur.ver != e.ver {
		return
	}
	cur.sandbox, cur.container = e.sandbox, e.container
	x.entries[e.sum.ID] = cur
}

// replace installs a full list taken at time at.
func (x *containerIndex) replace(all []docker.ContainerSummary, at time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.dropInspectsLocked()
	entries := make(map[string]indexEntry, len(all))
	for _, s := range all {
		entries[s.ID] = indexEntry{sum: s, ver: x.gen}
	}
	x.entries, x.listed, x.synced = entries, at, true
	x.notifyLocked()
}

func (x *containerIndex) isSynced() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.synced
}

// desync marks the index unsynced (List calls ask Docker) and asks the
// event watcher to relist it.
func (x *containerIndex) desync() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.synced = false
	x.dropInspectsLocked()
	x.notifyLocked()
	select {
	case x.wakeLocked() <- struct{}{}:
	default: // already asked
	}
}

func (x *containerIndex) wakeLocked() chan struct{} {
	if x.wake == nil {
		x.wake = make(chan struct{}, 1)
	}
	return x.wake
}

// resyncRequested is ready when a desync asked for a relist.
func (x *containerIndex) resyncRequested() <-chan struct{} {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.wakeLocked()
}

// clearResyncRequest drops a pending request (a relist follows anyway).
func (x *containerIndex) clearResyncRequest() {
	select {
	case <-x.resyncRequested():
	default:
	}
}

func (x *containerIndex) put(s docker.ContainerSummary) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.forgetLocked(s.ID)
	if x.entries != nil {
		x.entries[s.ID] = indexEntry{sum: s, ver: x.gen}
	}
	x.notifyLocked()
}

func (x *containerIndex) has(id string) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	_, ok := x.entries[id]
	return ok
}

// withLabel returns the entries whose label key has value; ok is false
// while the index is not synced.
func (x *containerIndex) withLabel(key, value string) ([]docker.ContainerSummary, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.synced {
		return nil, false
	}
	var out []docker.ContainerSummary
	for _, e := range x.entries {
		if v, ok := e.sum.Labels[key]; ok && v == value {
			out = append(out, e.sum)
		}
	}
	return out, true
}

func (x *containerIndex) remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.entries, id)
	x.forgetLocked(id)
	x.notifyLocked()
}

// stateOf is a container's state as the index knows it; ok is false when
// the index is not synced or does not hold it.
func (x *containerIndex) stateOf(id string) (string, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e, ok := x.entries[id]
	if !ok || !x.synced {
		return "", false
	}
	return e.sum.State, true
}

// setState records a container's new state; ok is false when the index
// does not hold it.
func (x *containerIndex) setState(id, state string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.staleStateLocked(id)
	e, ok := x.entries[id]
	if ok {
		e.sum.State = state
		x.entries[id] = indexEntry{sum: e.sum, ver: x.gen}
		x.notifyLocked()
	}
	return ok
}

// version is the entry's version, to pass to setStateIf after a call
// that changes its state (0 when the index does not hold id).
func (x *containerIndex) version(id string) uint64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.entries[id].ver
}

// setStateIf is setState for a change dockercri made itself (read your
// writes): it is skipped when the entry was written since ver was read.
// The event stream may have been faster than the call's answer: a
// container that exits at once has its start and die events applied
// before StartContainer returns, and "running" would then overwrite the
// exit for good (no later event corrects it).
func (x *containerIndex) setStateIf(id, state string, ver uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.staleStateLocked(id)
	e, ok := x.entries[id]
	if !ok || e.ver != ver {
		return
	}
	e.sum.State = state
	x.entries[id] = indexEntry{sum: e.sum, ver: x.gen}
	x.notifyLocked()
}

// stale reports whether an event predates the last full list (which
// already reflects it).
func (x *containerIndex) stale(at time.Time) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return at.Before(x.listed)
}

// resync replaces the index with a fresh list of every CRI object.
func (s *Service) resync(ctx context.Context) error {
	at := time.Now()
	all, err := s.engine.ListContainers(ctx, translate.LabelType)
	if err != nil {
		s.index.desync()
		return err
	}
	s.index.replace(all, at)
	return nil
}

// refresh re-reads one container into the index after dockercri changed
// it, so the next List sees the change (read-your-writes).
func (s *Service) refresh(ctx context.Context, id string) {
	sum, ok, err := s.engine.ContainerSummary(ctx, id)
	switch {
	case err != nil:
		s.index.desync() // cannot tell: the next List asks Docker
	case ok:
		s.index.put(sum)
	default:
		s.index.remove(id)
	}
}

// indexEvent applies one Docker event to the index.
func (s *Service) indexEvent(ctx context.Context, ev docker.Event) {
	if s.index.stale(ev.Time) {
		return
	}
	switch {
	case inspectCacheIgnores[ev.Action]:
	case inspectStateActions[ev.Action]:
		s.index.staleState(ev.ContainerID)
	default:
		s.index.forget(ev.ContainerID)
	}
	switch ev.Action {
	case "create":
		// dockercri's own creates are indexed by indexedEngine (the event
		// may arrive before the create call returns: its name is still
		// reserved then).
		if !s.index.has(ev.ContainerID) && !s.names.reserved(ev.Labels["name"]) {
			s.refresh(ctx, ev.ContainerID)
		}
	case "rename":
		s.refresh(ctx, ev.ContainerID)
	case "start", "unpause", "restart":
		if !s.index.setState(ev.ContainerID, "running") {
			s.refresh(ctx, ev.ContainerID)
		}
	case "die":
		s.index.setState(ev.ContainerID, "exited")
	case "pause":
		s.index.setState(ev.ContainerID, "paused")
	case "destroy":
		s.index.remove(ev.ContainerID)
	}
}

// indexedEngine is the engine as the handlers see it: every change
// dockercri makes goes through it and is written to the index at once.
type indexedEngine struct {
	docker.Engine
	index *containerIndex
}

func (e *indexedEngine) CreateContainer(ctx context.Context, name string, cfg *docker.ContainerConfig, host *docker.HostConfig, net *docker.NetworkingConfig) (string, []string, error) {
	id, warnings, err := e.Engine.CreateContainer(ctx, name, cfg, host, net)
	if err == nil {
		// One inspect fills both the index entry and the inspect cache
		// (the caller usually asks for the container next).
		_, gen, _ := e.index.cachedInspect(id)
		if in, ierr := e.Engine.InspectContainer(ctx, id); ierr == nil {
			e.index.put(docker.SummaryOf(in))
			e.index.storeInspect(in, gen+1) // put counted one invalidation
		} else {
			e.index.desync()
		}
	}
	return id, warnings, err
}

func (e *indexedEngine) StartContainer(ctx context.Context, id string) error {
	ver := e.index.version(id)
	err := e.Engine.StartContainer(ctx, id)
	if err == nil {
		e.index.setStateIf(id, "running", ver)
	} else {
		e.index.forget(id) // a failed start still changes State.Error
	}
	return err
}

func (e *indexedEngine) StopContainer(ctx context.Context, id string, timeout time.Duration) error {
	ver := e.index.version(id)
	err := e.Engine.StopContainer(ctx, id, timeout)
	if err == nil {
		e.index.setStateIf(id, "exited", ver)
	} else {
		e.index.forget(id)
	}
	return err
}

// RemoveContainer also settles a removal that races another: Docker
// answers 409 "removal already in progress", and the container is as good
// as gone once that removal ends.
func (e *indexedEngine) RemoveContainer(ctx context.Context, id string) error {
	err := e.Engine.RemoveContainer(ctx, id)
	if errdefs.Class(err) == errdefs.ErrAlreadyExists {
		err = e.waitGone(ctx, id, err)
	}
	if err == nil || docker.IsNotFound(err) {
		e.index.remove(id)
	} else {
		e.index.forget(id)
	}
	return err
}

// waitGone waits (at most 10 s) for a container another call is removing.
func (e *indexedEngine) waitGone(ctx context.Context, id string, conflict error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		if _, err := e.Engine.InspectContainer(ctx, id); docker.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return conflict
		case <-time.After(20 * time.Millisecond):
		}
	}
}
