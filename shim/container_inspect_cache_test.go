package shim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/translate"
)

func (e *testEnv) waitSynced(t *testing.T) {
	t.Helper()
	require.Eventually(t, e.svc.index.isSynced, 2*time.Second, time.Millisecond)
}

func (e *testEnv) containerState(t *testing.T, id string) runtimeapi.ContainerState {
	t.Helper()
	resp, err := e.svc.ContainerStatus(context.Background(), &runtimeapi.ContainerStatusRequest{ContainerId: id})
	require.NoError(t, err)
	return resp.Status.State
}

// TestStatusServedFromInspectCache: repeated status calls cost one Docker
// inspect; dockercri's own changes show at once; changes behind its back
// show once Docker's event arrives.
func TestStatusServedFromInspectCache(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	id := env.createContainer(t, sb, sbCfg, containerConfig())
	_, err := env.svc.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: id})
	require.NoError(t, err)
	env.waitSynced(t)

	// Once the events of the start have been seen, nothing invalidates.
	require.Eventually(t, func() bool {
		before := env.engine.Calls("InspectContainer")
		env.containerState(t, id)
		_, err := env.svc.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sb})
		require.NoError(t, err)
		return env.engine.Calls("InspectContainer") == before
	}, 2*time.Second, time.Millisecond)
	before := env.engine.Calls("InspectContainer")
	for range 5 {
		require.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, env.containerState(t, id))
		st, err := env.svc.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sb})
		require.NoError(t, err)
		require.Equal(t, runtimeapi.PodSandboxState_SANDBOX_READY, st.Status.State)
	}
	assert.Equal(t, before, env.engine.Calls("InspectContainer"), "served from the cache")

	// dockercri's own change: read-your-writes, no waiting.
	_, err = env.svc.UpdateContainerResources(ctx, &runtimeapi.UpdateContainerResourcesRequest{
		ContainerId: id, Linux: &runtimeapi.LinuxContainerResources{CpuShares: 512},
	})
	require.NoError(t, err)
	resp, err := env.svc.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
	require.NoError(t, err)
	assert.Equal(t, int64(512), resp.Status.Resources.GetLinux().GetCpuShares())

	// Behind dockercri's back: the die event invalidates.
	require.NoError(t, env.engine.SetExited(id, 3, false))
	require.Eventually(t, func() bool {
		return env.containerState(t, id) == runtimeapi.ContainerState_CONTAINER_EXITED
	}, 2*time.Second, time.Millisecond)

	_, err = env.svc.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb})
	require.NoError(t, err)
	st, err := env.svc.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sb})
	require.NoError(t, err)
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, st.Status.State, "own stop seen at once")
	_, err = env.svc.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: id})
	require.NoError(t, err)
	_, err = env.svc.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
	assert.True(t, docker.IsNotFound(err), "removed: %v", err)
}

// TestInspectCacheInvalidation: an inspect that raced an invalidation is
// not stored, nothing is served while the index is unsynced, unknown
// containers are not cached, and callers cannot change the cached copy.
func TestInspectCacheInvalidation(t *testing.T) {
	const id = "c1"
	info := func(status string) docker.ContainerInfo {
		in := docker.ContainerInfo{ContainerJSONBase: &container.ContainerJSONBase{ID: id, State: &container.State{Status: status}, HostConfig: &docker.HostConfig{}},
			Config: &docker.ContainerConfig{Labels: map[string]string{translate.LabelType: translate.TypeContainer}}}
		return in
	}
	tests := []struct {
		name   string
		before func(x *containerIndex) // after gen is read, before the store
		cached bool
	}{
		{name: "quiet", cached: true},
		{name: "event for it", before: func(x *containerIndex) { x.forget(id) }},
		{name: "event for another", before: func(x *containerIndex) { x.forget("other") }},
		{name: "stream broke", before: func(x *containerIndex) { x.desync() }},
		{name: "relisted", before: func(x *containerIndex) { x.replace([]docker.ContainerSummary{{ID: id}}, time.Now()) }},
		{name: "removed", before: func(x *containerIndex) { x.remove(id) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var x containerIndex
			x.replace([]docker.ContainerSummary{{ID: id}}, time.Now())
			_, gen, ok := x.cachedInspect(id)
			require.False(t, ok)
			if tc.before != nil {
				tc.before(&x)
			}
			x.storeInspect(info("running"), gen)
			_, _, ok = x.cachedInspect(id)
			assert.Equal(t, tc.cached, ok)
		})
	}

	t.Run("unknown container", func(t *testing.T) {
		var x containerIndex
		x.replace(nil, time.Now())
		_, gen, _ := x.cachedInspect(id)
		x.storeInspect(info("running"), gen)
		_, _, ok := x.cachedInspect(id)
		assert.False(t, ok, "only what the index holds is cached")
	})
	t.Run("unsynced hides entries", func(t *testing.T) {
		var x containerIndex
		x.replace([]docker.ContainerSummary{{ID: id}}, time.Now())
		_, gen, _ := x.cachedInspect(id)
		x.storeInspect(info("running"), gen)
		x.synced = false
		_, _, ok := x.cachedInspect(id)
		assert.False(t, ok)
	})
	t.Run("copies", func(t *testing.T) {
		var x containerIndex
		x.replace([]docker.ContainerSummary{{ID: id}}, time.Now())
		_, gen, _ := x.cachedInspect(id)
		x.storeInspect(info("running"), gen)
		got, _, ok := x.cachedInspect(id)
		require.True(t, ok)
		got.State.Status = "exited"
		got.Config.Labels[translate.LabelType] = "changed"
		got.HostConfig.CPUShares = 7
		again, _, _ := x.cachedInspect(id)
		assert.Equal(t, "running", again.State.Status)
		assert.Equal(t, translate.TypeContainer, again.Config.Labels[translate.LabelType])
		assert.Zero(t, again.HostConfig.CPUShares)
	})
}

// TestIndexRelistsAfterFailedRead: when dockercri cannot read a container it
// just created (the index then cannot be trusted), the index is relisted
// while the event stream keeps running, instead of staying unsynced until
// the next reconnect.
func TestIndexRelistsAfterFailedRead(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	env.waitSynced(t)
	env.engine.FailNext("InspectContainer", errors.New("dockerd hiccup"))
	sb := env.runSandbox(t, env.sandboxConfig())
	require.Eventually(t, env.svc.index.isSynced, 2*time.Second, time.Millisecond, "relisted")
	resp, err := env.svc.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	require.NoError(t, err)
	require.Len(t, resp.Items, 1)
	assert.Equal(t, sb, resp.Items[0].Id)
}

// TestStaleInspectServesLookups: after a start or an exit the cached entry
// no longer answers status calls, but lookups (which read only what a
// container keeps for life) still come from it, with State and
// NetworkSettings nil; anything else drops the entry.
func TestStaleInspectServesLookups(t *testing.T) {
	const id = "c1"
	in := docker.ContainerInfo{
		ContainerJSONBase: &container.ContainerJSONBase{ID: id, Name: "/k8s_c", State: &container.State{Status: "created"},
			HostConfig: &docker.HostConfig{Runtime: "runc"}},
		Config:          &docker.ContainerConfig{Labels: map[string]string{translate.LabelType: translate.TypeContainer}},
		NetworkSettings: &container.NetworkSettings{},
	}
	tests := []struct {
		name   string
		change func(x *containerIndex)
		status bool // served to status calls
		lookup bool // served to lookups
	}{
		{name: "quiet", change: func(*containerIndex) {}, status: true, lookup: true},
		{name: "state change", change: func(x *containerIndex) { x.staleState(id) }, lookup: true},
		{name: "own start", change: func(x *containerIndex) { x.setState(id, "running") }, lookup: true},
		{name: "other change", change: func(x *containerIndex) { x.forget(id) }},
		{name: "stream broke", change: func(x *containerIndex) { x.desync() }},
		{name: "removed", change: func(x *containerIndex) { x.remove(id) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var x containerIndex
			x.replace([]docker.ContainerSummary{{ID: id, State: "created"}}, time.Now())
			_, gen, _ := x.cachedInspect(id)
			x.storeInspect(in, gen)
			tc.change(&x)
			_, _, ok := x.cachedInspect(id)
			assert.Equal(t, tc.status, ok, "status")
			got, ok := x.cachedStatic(id)
			require.Equal(t, tc.lookup, ok, "lookup")
			if !ok {
				return
			}
			assert.Equal(t, "/k8s_c", got.Name)
			assert.Equal(t, "runc", got.HostConfig.Runtime)
			if tc.status {
				assert.NotNil(t, got.State)
			} else {
				assert.Nil(t, got.State, "a stale State is not handed out")
				assert.Nil(t, got.NetworkSettings)
			}
		})
	}
}

// TestLifecycleDockerCalls: a pod lifecycle as kubelet drives it costs one
// inspect per created container and none for the later calls once the
// index has seen the start; the exited sandbox's removal asks nothing.
func TestLifecycleDockerCalls(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	env.waitSynced(t)
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	id := env.createContainer(t, sb, sbCfg, containerConfig())
	_, err := env.svc.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: id})
	require.NoError(t, err)
	// Let the start events arrive (they mark the entries stale).
	require.Eventually(t, func() bool {
		_, _, fresh := env.svc.index.cachedInspect(id)
		return !fresh
	}, 2*time.Second, time.Millisecond)

	before := env.engine.Calls("InspectContainer")
	_, err = env.svc.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: id})
	require.NoError(t, err)
	_, err = env.svc.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: id})
	require.NoError(t, err)
	_, err = env.svc.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb})
	require.NoError(t, err)
	_, err = env.svc.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb})
	require.NoError(t, err)
	assert.Equal(t, before, env.engine.Calls("InspectContainer"), "stop and remove answered from the index")
	assert.Empty(t, env.engine.ContainerIDs())
}
