package shim

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The worker pool is sized for calls that wait on Docker, not for CPUs:
// at least 16, so that a burst of kubelet calls on a small node still
// finds workers whose stacks are already grown.
func TestStreamWorkers(t *testing.T) {
	for _, tt := range []struct {
		cpus int
		want uint32
	}{
		{cpus: 1, want: 16},
		{cpus: 2, want: 16},
		{cpus: 4, want: 16},
		{cpus: 8, want: 32},
		{cpus: 64, want: 256},
	} {
		assert.Equal(t, tt.want, streamWorkers(tt.cpus), "cpus=%d", tt.cpus)
	}
}
