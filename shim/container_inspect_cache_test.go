package shim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
)

func (e *testEnv) waitSynced(t *testing.T) {
	t.Helper()
	require.Eventually(t, e.svc.containers.Synced, 2*time.Second, time.Millisecond)
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
	require.Eventually(t, env.svc.containers.Synced, 2*time.Second, time.Millisecond, "relisted")
	resp, err := env.svc.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	require.NoError(t, err)
	require.Len(t, resp.Items, 1)
	assert.Equal(t, sb, resp.Items[0].Id)
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
	// Let the start events arrive (they mark the entries stale) while the
	// store stays synced and keeps what lookups read.
	require.Eventually(t, func() bool {
		_, _, fresh := env.svc.containers.Inspect(id)
		_, sbKept := env.svc.containers.Static(sb)
		_, ctrKept := env.svc.containers.Static(id)
		return !fresh && sbKept && ctrKept && env.svc.containers.Synced()
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
