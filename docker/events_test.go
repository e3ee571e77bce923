package docker

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEventFilterArgs(t *testing.T) {
	tests := []struct {
		name           string
		f              EventFilter
		labels, events []string
	}{
		{name: "empty: every container event", f: EventFilter{}},
		{name: "labels only", f: EventFilter{Labels: []string{"a", "b=c"}}, labels: []string{"a", "b=c"}},
		{name: "labels and actions", f: EventFilter{Labels: []string{"a"}, Actions: []string{"start", "die"}},
			labels: []string{"a"}, events: []string{"start", "die"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.f.Args()
			assert.Equal(t, []string{"container"}, args.Get("type"))
			assert.ElementsMatch(t, tt.labels, args.Get("label"))
			assert.ElementsMatch(t, tt.events, args.Get("event"))
		})
	}
}
