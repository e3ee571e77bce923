package shim

import (
	"context"
	"sync"
	"time"

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
	entries map[string]docker.ContainerSummary
}

// list returns the entries of one type (sandbox or container); ok is
// false while the index is not synced.
func (x *containerIndex) list(typ string) ([]docker.ContainerSummary, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.synced {
		return nil, false
	}
	out := make([]docker.ContainerSummary, 0, len(x.entries))
	for _, e := range x.entries {
		if e.Labels[translate.LabelType] == typ {
			out = append(out, e)
		}
	}
	return out, true
}

// replace installs a full list taken at time at.
func (x *containerIndex) replace(all []docker.ContainerSummary, at time.Time) {
	entries := make(map[string]docker.ContainerSummary, len(all))
	for _, s := range all {
		entries[s.ID] = s
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.entries, x.listed, x.synced = entries, at, true
}

func (x *containerIndex) desync() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.synced = false
}

func (x *containerIndex) put(s docker.ContainerSummary) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.entries != nil {
		x.entries[s.ID] = s
	}
}

func (x *containerIndex) remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.entries, id)
}

// setState records a container's new state; ok is false when the index
// does not hold it.
func (x *containerIndex) setState(id, state string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.entries[id]
	if ok {
		e.State = state
		x.entries[id] = e
	}
	return ok
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
	switch ev.Action {
	case "create", "rename":
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
		if sum, ok, serr := e.Engine.ContainerSummary(ctx, id); serr == nil && ok {
			e.index.put(sum)
		} else {
			e.index.desync()
		}
	}
	return id, warnings, err
}

func (e *indexedEngine) StartContainer(ctx context.Context, id string) error {
	err := e.Engine.StartContainer(ctx, id)
	if err == nil {
		e.index.setState(id, "running")
	}
	return err
}

func (e *indexedEngine) StopContainer(ctx context.Context, id string, timeout time.Duration) error {
	err := e.Engine.StopContainer(ctx, id, timeout)
	if err == nil {
		e.index.setState(id, "exited")
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
