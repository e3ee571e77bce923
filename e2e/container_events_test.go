package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestContainerEventsWholeLife watches a container through its whole life
// with GetContainerEvents, as kubelet's evented PLEG does.
func TestContainerEventsWholeLife(t *testing.T) {
	d := startDaemon(t)
	events := subscribeEvents(t, d)

	sb, sbCfg := runSandbox(t, d)
	id, _ := createContainer(t, d, sb, sbCfg, withShell("sleep 1"))
	startContainer(t, d, id)
	waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
	require.NoError(t, d.runtime.RemoveContainer(testCtx(t), id))

	want := []runtimeapi.ContainerEventType{
		runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT,
		runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT,
		runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT,
		runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT,
	}
	var got []*runtimeapi.ContainerEventResponse
	timeout := time.After(30 * time.Second)
	for len(got) < len(want) {
		select {
		case ev, ok := <-events:
			require.True(t, ok, "event stream ended early")
			if ev.ContainerId == id {
				got = append(got, ev)
			}
		case <-timeout:
			t.Fatalf("got %d of %d events", len(got), len(want))
		}
	}
	for i, ev := range got {
		assert.Equal(t, want[i], ev.ContainerEventType, "event %d", i)
		assert.Positive(t, ev.CreatedAt)
		require.NotNil(t, ev.PodSandboxStatus, "event %d carries the pod status", i)
		assert.Equal(t, sb, ev.PodSandboxStatus.Id)
	}
	started := got[1]
	require.NotEmpty(t, started.ContainersStatuses)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, started.ContainersStatuses[0].State)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_EXITED, got[2].ContainersStatuses[0].State)
	assert.Empty(t, got[3].ContainersStatuses, "after DELETED the pod has no containers")
}
