package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestContainerLifecycle(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	sb, sbCfg := runSandbox(t, d)
	id, cfg := createContainer(t, d, sb, sbCfg,
		withContainerLabels(map[string]string{"tier": "e2e"}),
		withContainerAnnotations(map[string]string{"e2e.dockercri.io/note": "a b c"}))

	st := containerStatus(t, d, id)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_CREATED, st.GetState())
	assert.Positive(t, st.GetCreatedAt())
	assert.Zero(t, st.GetStartedAt())

	before := time.Now()
	startContainer(t, d, id)
	st = containerStatus(t, d, id)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, st.GetState())
	assert.Equal(t, cfg.GetMetadata().GetName(), st.GetMetadata().GetName())
	assert.InDelta(t, before.UnixNano(), st.GetStartedAt(), float64(30*time.Second), "started_at is in nanoseconds")
	assert.Equal(t, busyboxImage, st.GetImage().GetImage())
	assert.NotEmpty(t, st.GetImageRef())
	assert.Equal(t, "e2e", st.GetLabels()["tier"])
	assert.Equal(t, "a b c", st.GetAnnotations()["e2e.dockercri.io/note"])
	assert.Equal(t, filepath.Join(sbCfg.GetLogDirectory(), cfg.GetLogPath()), st.GetLogPath())

	info, err := d.docker.ContainerInspect(ctx, id)
	require.NoError(t, err, "container id should be the docker container id")
	md := sbCfg.GetMetadata()
	wantName := fmt.Sprintf("/k8s_%s_%s_%s_%s_%d", cfg.GetMetadata().GetName(), md.GetName(), md.GetNamespace(), md.GetUid(), cfg.GetMetadata().GetAttempt())
	assert.True(t, info.Name == wantName || strings.HasPrefix(info.Name, wantName+"_"), "docker name %q, want %q", info.Name, wantName)
	assert.Equal(t, "container", info.Config.Labels["io.kubernetes.docker.type"])
	assert.Equal(t, sb, info.Config.Labels["io.kubernetes.sandbox.id"])
	assert.Equal(t, "a b c", info.Config.Labels["annotation.e2e.dockercri.io/note"])

	require.NoError(t, d.runtime.StopContainer(ctx, id, 1))
	st = containerStatus(t, d, id)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_EXITED, st.GetState())
	assert.Positive(t, st.GetFinishedAt())

	require.NoError(t, d.runtime.RemoveContainer(ctx, id))
	_, err = d.runtime.ContainerStatus(ctx, id, false)
	assert.Equal(t, codes.NotFound, status.Code(err), "ContainerStatus of removed container: %v", err)
	_, err = d.docker.ContainerInspect(ctx, id)
	assert.True(t, cerrdefs.IsNotFound(err), "docker container should be gone, inspect: %v", err)
	assert.NoError(t, d.runtime.RemoveContainer(ctx, id), "RemoveContainer must be idempotent")
	assert.NoError(t, d.runtime.StopContainer(ctx, id, 0), "StopContainer of a removed container must succeed")
}

func TestListContainersFilters(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	sb1, cfg1 := runSandbox(t, d)
	sb2, cfg2 := runSandbox(t, d)
	running := runContainer(t, d, sb1, cfg1, withContainerLabels(map[string]string{"e2e.dockercri.io/sel": "x"}))
	created, _ := createContainer(t, d, sb1, cfg1)
	other := runContainer(t, d, sb2, cfg2, withContainerLabels(map[string]string{"e2e.dockercri.io/sel": "x"}))

	list := func(f *runtimeapi.ContainerFilter) []string {
		t.Helper()
		items, err := d.runtime.ListContainers(ctx, f)
		require.NoError(t, err)
		var ids []string
		for _, c := range items {
			ids = append(ids, c.GetId())
		}
		return ids
	}
	assert.Equal(t, []string{running}, list(&runtimeapi.ContainerFilter{Id: running}), "by id")
	assert.ElementsMatch(t, []string{running, created}, list(&runtimeapi.ContainerFilter{PodSandboxId: sb1}), "by sandbox")
	assert.Equal(t, []string{running}, list(&runtimeapi.ContainerFilter{PodSandboxId: sb1,
		State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING}}), "by sandbox+state")
	assert.Equal(t, []string{created}, list(&runtimeapi.ContainerFilter{PodSandboxId: sb1,
		State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_CREATED}}), "created state")
	assert.ElementsMatch(t, []string{running, other}, list(&runtimeapi.ContainerFilter{
		LabelSelector: map[string]string{"e2e.dockercri.io/sel": "x", "io.kubernetes.pod.namespace": testNamespace}}), "by label")
	all := list(nil)
	for _, id := range []string{running, created, other} {
		assert.Contains(t, all, id)
	}
	for _, s := range []string{sb1, sb2} {
		assert.NotContains(t, all, s, "sandbox containers must not be listed as containers")
	}
}
