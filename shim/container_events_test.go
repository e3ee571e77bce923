package shim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
)

// TestEventHubDropsSlowSubscribers: publishing never blocks; a subscriber
// whose buffer is full is dropped (its channel closed) while one that keeps
// up receives everything.
func TestEventHubDropsSlowSubscribers(t *testing.T) {
	var h eventHub
	slow := h.subscribe()
	fast := h.subscribe()
	ev := &runtimeapi.ContainerEventResponse{ContainerId: "c"}
	for range subscriberBuffer {
		h.publish(ev) // fills both buffers exactly
	}
	for range subscriberBuffer {
		<-fast // the fast one keeps up
	}
	for range 10 {
		h.publish(ev) // the slow one has no room: dropped, not waited for
	}
	received := 0
	for range slow {
		received++
	}
	assert.Equal(t, subscriberBuffer, received, "the slow subscriber got what fit, then its channel closed")
	require.True(t, h.active(), "the fast subscriber is still subscribed")
	assert.Len(t, fast, 10, "the fast subscriber missed nothing")
	h.unsubscribe(fast)
	assert.False(t, h.active())
}

// TestEventDedup: a replay after a reconnect (events from the newest time
// handled on) is not handled twice, and an event that arrives out of time
// order in a live stream is still handled: Docker stamps events before it
// publishes them, so two containers' events can cross.
func TestEventDedup(t *testing.T) {
	t0 := time.Unix(100, 0)
	ev := func(id, action string, at time.Time) docker.Event {
		return docker.Event{ContainerID: id, Action: action, Time: at}
	}
	var d eventDedup
	assert.True(t, d.fresh(ev("a", "start", t0)))
	assert.True(t, d.fresh(ev("b", "start", t0.Add(2*time.Millisecond))))
	assert.True(t, d.fresh(ev("a", "die", t0.Add(time.Millisecond))), "older than the newest, live: new")
	assert.True(t, d.fresh(ev("b", "die", t0.Add(2*time.Millisecond))), "same time, other action: new")
	// A reconnect replays from the newest time on.
	assert.False(t, d.fresh(ev("b", "start", t0.Add(2*time.Millisecond))), "replayed")
	assert.False(t, d.fresh(ev("b", "die", t0.Add(2*time.Millisecond))), "replayed")
	assert.True(t, d.fresh(ev("c", "create", t0.Add(3*time.Millisecond))))
}
