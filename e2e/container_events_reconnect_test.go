package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestContainerEventsSurviveEngineOutage: an event that happens while
// dockercri's Docker event stream is broken is still delivered after it
// reconnects (Docker replays from the last event seen).
func TestContainerEventsSurviveEngineOutage(t *testing.T) {
	proxy := startEngineProxy(t)
	d := startDaemon(t, withFlags("--docker-endpoint", proxy.endpoint()))
	events := subscribeEvents(t, d)
	sb, sbCfg := runSandbox(t, d)
	id, _ := createContainer(t, d, sb, sbCfg)
	waitEvent(t, events, id, runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT)

	proxy.down()
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, dockerCli.ContainerStart(testCtx(t), id, container.StartOptions{}), "started behind dockercri's back")
	time.Sleep(500 * time.Millisecond)
	proxy.up(t)
	waitEvent(t, events, id, runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT)
	// Nothing handled before the outage is delivered twice.
	select {
	case ev := <-events:
		if ev.ContainerId == id && ev.ContainerEventType == runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT {
			t.Fatalf("CREATED delivered again after the reconnect")
		}
	case <-time.After(time.Second):
	}
}

func waitEvent(t *testing.T, events <-chan *runtimeapi.ContainerEventResponse, id string, typ runtimeapi.ContainerEventType) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			require.True(t, ok, "event stream ended waiting for %v", typ)
			if ev.ContainerId == id && ev.ContainerEventType == typ {
				return
			}
		case <-timeout:
			t.Fatalf("no %v event for %s", typ, id)
		}
	}
}

// subscribeEvents opens GetContainerEvents on d and forwards what arrives;
// the stream ends with the test.
func subscribeEvents(t *testing.T, d *daemon) <-chan *runtimeapi.ContainerEventResponse {
	t.Helper()
	rs, _ := rawClient(t, d.socketPath)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	stream, err := rs.GetContainerEvents(ctx, &runtimeapi.GetEventsRequest{})
	require.NoError(t, err)
	events := make(chan *runtimeapi.ContainerEventResponse, 64)
	go func() {
		defer close(events)
		for {
			ev, err := stream.Recv()
			if err != nil {
				return
			}
			events <- ev
		}
	}()
	time.Sleep(300 * time.Millisecond) // let the subscription settle
	return events
}
