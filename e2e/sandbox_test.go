package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestSandboxLifecycle(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	id, cfg := runSandbox(t, d,
		withSandboxLabels(map[string]string{"app": "lifecycle"}),
		withSandboxAnnotations(map[string]string{"e2e.dockercri.io/note": "hello world"}))

	st := sandboxStatus(t, d, id)
	assert.Equal(t, id, st.GetId())
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_READY, st.GetState())
	assert.Equal(t, cfg.GetMetadata().GetName(), st.GetMetadata().GetName())
	assert.Equal(t, cfg.GetMetadata().GetNamespace(), st.GetMetadata().GetNamespace())
	assert.Equal(t, cfg.GetMetadata().GetUid(), st.GetMetadata().GetUid())
	assert.Equal(t, cfg.GetMetadata().GetAttempt(), st.GetMetadata().GetAttempt())
	assert.Positive(t, st.GetCreatedAt())
	assert.Equal(t, "lifecycle", st.GetLabels()["app"])
	assert.Equal(t, "hello world", st.GetAnnotations()["e2e.dockercri.io/note"])
	assert.NotEmpty(t, st.GetNetwork().GetIp(), "bridge-mode sandbox should have an IP")

	// What dockerd really holds (cri-dockerd naming and labels).
	info, err := d.docker.ContainerInspect(ctx, id)
	require.NoError(t, err, "sandbox id should be the docker container id")
	md := cfg.GetMetadata()
	wantName := fmt.Sprintf("/k8s_POD_%s_%s_%s_%d", md.GetName(), md.GetNamespace(), md.GetUid(), md.GetAttempt())
	assert.True(t, info.Name == wantName || strings.HasPrefix(info.Name, wantName+"_"), "docker name %q, want %q", info.Name, wantName)
	assert.Equal(t, "podsandbox", info.Config.Labels["io.kubernetes.docker.type"])
	assert.Equal(t, "lifecycle", info.Config.Labels["app"])
	assert.Equal(t, "hello world", info.Config.Labels["annotation.e2e.dockercri.io/note"])
	assert.True(t, info.State.Running, "sandbox container should run")

	data, err := os.ReadFile(d.checkpointPath(id))
	require.NoError(t, err, "checkpoint should exist")
	var cp map[string]any
	require.NoError(t, json.Unmarshal(data, &cp), "checkpoint is JSON: %s", data)
	assert.Equal(t, md.GetName(), cp["name"])
	assert.Equal(t, md.GetNamespace(), cp["namespace"])

	require.NoError(t, d.runtime.StopPodSandbox(ctx, id))
	st = sandboxStatus(t, d, id)
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, st.GetState())
	info, err = d.docker.ContainerInspect(ctx, id)
	require.NoError(t, err)
	assert.False(t, info.State.Running, "sandbox container should be stopped")

	require.NoError(t, d.runtime.RemovePodSandbox(ctx, id))
	list, err := d.runtime.ListPodSandbox(ctx, &runtimeapi.PodSandboxFilter{Id: id})
	require.NoError(t, err)
	assert.Empty(t, list)
	_, err = d.docker.ContainerInspect(ctx, id)
	assert.True(t, cerrdefs.IsNotFound(err), "docker container should be gone, inspect: %v", err)
	_, err = os.Stat(d.checkpointPath(id))
	assert.True(t, os.IsNotExist(err), "checkpoint should be gone (stat: %v)", err)
	_, err = d.runtime.PodSandboxStatus(ctx, id, false)
	assert.Equal(t, codes.NotFound, status.Code(err), "PodSandboxStatus of removed sandbox: %v", err)
}

func TestListPodSandboxFilters(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	a, _ := runSandbox(t, d, withSandboxLabels(map[string]string{"e2e.dockercri.io/sel": "a"}))
	b, _ := runSandbox(t, d, withSandboxLabels(map[string]string{"e2e.dockercri.io/sel": "b"}))
	require.NoError(t, d.runtime.StopPodSandbox(ctx, b))

	list := func(f *runtimeapi.PodSandboxFilter) []string {
		t.Helper()
		items, err := d.runtime.ListPodSandbox(ctx, f)
		require.NoError(t, err)
		var ids []string
		for _, s := range items {
			ids = append(ids, s.GetId())
		}
		return ids
	}
	run := map[string]string{"e2e.dockercri.io/run": runID}

	assert.Equal(t, []string{a}, list(&runtimeapi.PodSandboxFilter{Id: a}), "filter by id")
	all := list(nil)
	assert.Contains(t, all, a)
	assert.Contains(t, all, b)

	ready := list(&runtimeapi.PodSandboxFilter{LabelSelector: run,
		State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY}})
	assert.Contains(t, ready, a)
	assert.NotContains(t, ready, b)

	notReady := list(&runtimeapi.PodSandboxFilter{LabelSelector: run,
		State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY}})
	assert.Contains(t, notReady, b)
	assert.NotContains(t, notReady, a)

	assert.Equal(t, []string{b}, list(&runtimeapi.PodSandboxFilter{
		LabelSelector: map[string]string{"e2e.dockercri.io/sel": "b", "e2e.dockercri.io/run": runID}}), "filter by labels")
	assert.Empty(t, list(&runtimeapi.PodSandboxFilter{Id: a,
		State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY}}), "id and state filters combine")
}

func TestRemovePodSandboxRemovesItsContainers(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	sb, sbCfg := runSandbox(t, d)
	ctr := runContainer(t, d, sb, sbCfg)

	// No StopPodSandbox first: Remove must force-stop everything itself.
	require.NoError(t, d.runtime.RemovePodSandbox(ctx, sb))
	list, err := d.runtime.ListContainers(ctx, &runtimeapi.ContainerFilter{PodSandboxId: sb})
	require.NoError(t, err)
	assert.Empty(t, list)
	_, err = d.docker.ContainerInspect(ctx, ctr)
	assert.True(t, cerrdefs.IsNotFound(err), "container should be gone from dockerd, inspect: %v", err)
	_, err = d.runtime.ContainerStatus(ctx, ctr, false)
	assert.Equal(t, codes.NotFound, status.Code(err), "ContainerStatus after pod removal: %v", err)
}
