package shim

import (
	"context"
	"maps"

	"github.com/dockercri/dockercri/docker"
)

// The index also caches Docker's inspect data of the CRI objects it holds,
// so the PodSandboxStatus and ContainerStatus calls kubelet makes on every
// relist cost no Docker round trip. An entry lives until anything that
// could change it happens: an event for that container, a change dockercri
// makes through indexedEngine, or a break of the event stream (which
// empties the cache until the index is synced again). gen counts those
// invalidations, so an inspect that raced one is never stored.
//
// A start, exit or pause changes only a container's State and
// NetworkSettings: the entry is then kept as stale. Status calls do not
// use it, but lookups that read only what a container keeps for its whole
// life (its id, name, Config, HostConfig, image, mounts) do, which spares
// the Docker round trip of most lifecycle calls (see lookupContainer).

// inspectCacheIgnores are the event actions that leave a container's
// inspect data (as dockercri reads it) unchanged. A create is among them:
// whatever was read of the container was read after its creation.
var inspectCacheIgnores = map[string]bool{
	"create":      true,
	"exec_create": true, "exec_start": true, "exec_die": true, "exec_detach": true,
	"attach": true, "detach": true, "top": true, "resize": true,
	"copy": true, "export": true, "commit": true, "archive-path": true, "extract-to-dir": true,
	"health_status": true,
}

// inspectStateActions change only State and NetworkSettings.
var inspectStateActions = map[string]bool{
	"start": true, "restart": true, "die": true, "oom": true, "kill": true, "stop": true,
	"pause": true, "unpause": true,
}

// cachedInspectEntry is one container's cached inspect data; stale means
// its State and NetworkSettings are out of date.
type cachedInspectEntry struct {
	in    docker.ContainerInfo
	stale bool
}

// cachedInspect returns the cached inspect data of a full container id and
// the generation to pass to storeInspect when it is not cached.
func (x *containerIndex) cachedInspect(id string) (docker.ContainerInfo, uint64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e, ok := x.inspects[id]
	if !ok || e.stale || !x.synced {
		return docker.ContainerInfo{}, x.gen, false
	}
	return cloneInspect(e.in), x.gen, true
}

// cachedStatic returns the cached inspect data of a full container id even
// when it is stale, with State and NetworkSettings nil then.
func (x *containerIndex) cachedStatic(id string) (docker.ContainerInfo, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e, ok := x.inspects[id]
	if !ok || !x.synced {
		return docker.ContainerInfo{}, false
	}
	in := cloneInspect(e.in)
	if e.stale {
		in.State, in.NetworkSettings = nil, nil
	}
	return in, true
}

// storeInspect caches in unless something was invalidated since gen was
// read, the index is not synced, or the index does not hold the container.
func (x *containerIndex) storeInspect(in docker.ContainerInfo, gen uint64) {
	if in.ContainerJSONBase == nil || in.Config == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, known := x.entries[in.ID]; !known || !x.synced || x.gen != gen {
		return
	}
	if x.inspects == nil {
		x.inspects = map[string]cachedInspectEntry{}
	}
	x.inspects[in.ID] = cachedInspectEntry{in: cloneInspect(in)}
}

// staleState marks a container's cached State and NetworkSettings out of
// date.
func (x *containerIndex) staleState(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.staleStateLocked(id)
}

func (x *containerIndex) staleStateLocked(id string) {
	if e, ok := x.inspects[id]; ok {
		e.stale = true
		x.inspects[id] = e
	}
	x.gen++
}

// forget drops a container's cached inspect data.
func (x *containerIndex) forget(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.forgetLocked(id)
}

func (x *containerIndex) forgetLocked(id string) {
	delete(x.inspects, id)
	x.gen++
}

// dropInspectsLocked empties the cache (the index was relisted or lost
// its event stream).
func (x *containerIndex) dropInspectsLocked() {
	clear(x.inspects)
	x.gen++
}

// cloneInspect copies the parts of inspect data that callers may change,
// so the cached copy stays as Docker reported it. Deeper slices and maps
// are shared and read-only.
func cloneInspect(in docker.ContainerInfo) docker.ContainerInfo {
	if in.ContainerJSONBase != nil {
		base := *in.ContainerJSONBase
		if base.State != nil {
			st := *base.State
			base.State = &st
		}
		if base.HostConfig != nil {
			hc := *base.HostConfig
			base.HostConfig = &hc
		}
		in.ContainerJSONBase = &base
	}
	if in.Config != nil {
		cfg := *in.Config
		cfg.Labels = maps.Clone(cfg.Labels)
		in.Config = &cfg
	}
	if in.NetworkSettings != nil {
		ns := *in.NetworkSettings
		in.NetworkSettings = &ns
	}
	return in
}

// InspectContainer answers from the cache when it can.
func (e *indexedEngine) InspectContainer(ctx context.Context, id string) (docker.ContainerInfo, error) {
	in, gen, ok := e.index.cachedInspect(id)
	if ok {
		return in, nil
	}
	in, err := e.Engine.InspectContainer(ctx, id)
	if err == nil {
		e.index.storeInspect(in, gen)
	}
	return in, err
}

// UpdateContainer changes resources, so the cached inspect data goes.
func (e *indexedEngine) UpdateContainer(ctx context.Context, id string, res docker.Resources) error {
	defer e.index.forget(id)
	return e.Engine.UpdateContainer(ctx, id, res)
}
