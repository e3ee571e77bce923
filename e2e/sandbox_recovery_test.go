package e2e

import (
	"os"
	"slices"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestStopPodSandboxStopsItsContainers(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	ctr := runContainer(t, d, sb, sbCfg, withShell(`trap "exit 0" TERM; sleep 3600 & wait`))
	require.NoError(t, d.runtime.StopPodSandbox(testCtx(t), sb))
	st := containerStatus(t, d, ctr)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_EXITED, st.GetState())
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, sandboxStatus(t, d, sb).GetState())
	require.NoError(t, d.runtime.StopPodSandbox(testCtx(t), sb), "StopPodSandbox twice")
}

// A sandbox whose docker container vanished behind dockercri's back is still
// listed (NOTREADY), so kubelet can stop it and free its network.
func TestSandboxWithVanishedContainerIsNotReady(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	sb, _ := runSandbox(t, d)
	require.NoError(t, d.docker.ContainerRemove(ctx, sb, container.RemoveOptions{Force: true}))

	items, err := d.runtime.ListPodSandbox(ctx, &runtimeapi.PodSandboxFilter{Id: sb})
	require.NoError(t, err)
	require.Len(t, items, 1, "sandbox with a checkpoint but no container must still be listed")
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, items[0].GetState())
	// kubelet skips a sandbox whose status is NotFound; list and status
	// must agree that it exists and is NOTREADY.
	resp, err := d.runtime.PodSandboxStatus(ctx, sb, false)
	require.NoError(t, err, "PodSandboxStatus of a listed sandbox")
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, resp.GetStatus().GetState())
	assert.Equal(t, items[0].GetMetadata().GetUid(), resp.GetStatus().GetMetadata().GetUid())

	require.NoError(t, d.runtime.StopPodSandbox(ctx, sb))
	require.NoError(t, d.runtime.RemovePodSandbox(ctx, sb))
	items, err = d.runtime.ListPodSandbox(ctx, &runtimeapi.PodSandboxFilter{Id: sb})
	require.NoError(t, err)
	assert.Empty(t, items)
	assert.NoFileExists(t, d.checkpointPath(sb))
}

// Everything dockercri knows lives in dockerd and the root directory: a new
// process on the same root sees the same pods and containers.
func TestDaemonRestartKeepsState(t *testing.T) {
	d1 := startDaemon(t)
	sb, sbCfg := runSandbox(t, d1)
	ctr := runContainer(t, d1, sb, sbCfg)
	d1.stop(t)

	d2 := startDaemon(t, withRootDir(d1.rootDir))
	registerSandboxCleanup(t, d2, sb, sbCfg)
	ctx := testCtx(t)
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_READY, sandboxStatus(t, d2, sb).GetState())
	st := containerStatus(t, d2, ctr)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, st.GetState())
	assert.Equal(t, d1.logPath(ctr), st.GetLogPath())
	sandboxes, err := d2.runtime.ListPodSandbox(ctx, nil)
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(sandboxes, func(s *runtimeapi.PodSandbox) bool { return s.GetId() == sb }))

	require.NoError(t, d2.runtime.StopContainer(ctx, ctr, 0))
	waitContainerState(t, d2, ctr, runtimeapi.ContainerState_CONTAINER_EXITED, 30*time.Second)
}

// TestStartupRemovesLeftoversOfVanishedSandbox: dockercri killed while a
// pod went away (here: its sandbox container removed behind its back while
// it was down) leaves a checkpoint without container and a created,
// never-started container of that pod. The next dockercri removes both at
// start-up; another pod's never-started container stays for kubelet.
func TestStartupRemovesLeftoversOfVanishedSandbox(t *testing.T) {
	d1 := startDaemon(t)
	gone, goneCfg := runSandbox(t, d1)
	orphan, _ := createContainer(t, d1, gone, goneCfg)
	live, liveCfg := runSandbox(t, d1)
	kept, _ := createContainer(t, d1, live, liveCfg)
	require.NoError(t, d1.cmd.Process.Kill())
	<-d1.done
	require.NoError(t, dockerCli.ContainerRemove(testCtx(t), gone, container.RemoveOptions{Force: true}))

	d2 := startDaemon(t, withRootDir(d1.rootDir))
	registerSandboxCleanup(t, d2, live, liveCfg)
	_, err := os.Stat(d2.checkpointPath(gone))
	assert.True(t, os.IsNotExist(err), "checkpoint of the vanished sandbox removed: %v", err)
	_, err = dockerCli.ContainerInspect(testCtx(t), orphan)
	assert.True(t, cerrdefs.IsNotFound(err), "never-started container of the vanished sandbox removed: %v", err)
	items, err := d2.runtime.ListPodSandbox(testCtx(t), nil)
	require.NoError(t, err)
	assert.False(t, slices.ContainsFunc(items, func(s *runtimeapi.PodSandbox) bool { return s.GetId() == gone }), "the vanished pod is not listed")
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_CREATED, containerStatus(t, d2, kept).GetState(), "a live pod's created container is kubelet's to start")
}
