package shim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
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
