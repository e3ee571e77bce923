package translate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestMatchSandbox(t *testing.T) {
	sb := &runtimeapi.PodSandbox{
		Id:     "abcdef0123",
		State:  runtimeapi.PodSandboxState_SANDBOX_READY,
		Labels: map[string]string{"app": "web"},
	}
	ready := &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY}
	notReady := &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY}
	tests := []struct {
		name   string
		filter *runtimeapi.PodSandboxFilter
		want   bool
	}{
		{"nil filter", nil, true},
		{"empty filter", &runtimeapi.PodSandboxFilter{}, true},
		{"full id", &runtimeapi.PodSandboxFilter{Id: "abcdef0123"}, true},
		{"id prefix", &runtimeapi.PodSandboxFilter{Id: "abc"}, true},
		{"other id", &runtimeapi.PodSandboxFilter{Id: "abd"}, false},
		{"id longer than ours", &runtimeapi.PodSandboxFilter{Id: "abcdef01234"}, false},
		{"state matches", &runtimeapi.PodSandboxFilter{State: ready}, true},
		{"state differs", &runtimeapi.PodSandboxFilter{State: notReady}, false},
		{"label matches", &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{"app": "web"}}, true},
		{"label differs", &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{"app": "db"}}, false},
		{"all match", &runtimeapi.PodSandboxFilter{Id: "abc", State: ready, LabelSelector: map[string]string{"app": "web"}}, true},
		{"all but state", &runtimeapi.PodSandboxFilter{Id: "abc", State: notReady, LabelSelector: map[string]string{"app": "web"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, MatchSandbox(tt.filter, sb))
		})
	}
}

func TestMatchContainer(t *testing.T) {
	c := &runtimeapi.Container{
		Id:           "c0ffee1234",
		PodSandboxId: "5a5a5a5a",
		State:        runtimeapi.ContainerState_CONTAINER_EXITED,
		Labels:       map[string]string{"io.kubernetes.container.name": "app"},
	}
	exited := &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_EXITED}
	running := &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING}
	tests := []struct {
		name   string
		filter *runtimeapi.ContainerFilter
		want   bool
	}{
		{"nil filter", nil, true},
		{"empty filter", &runtimeapi.ContainerFilter{}, true},
		{"id prefix", &runtimeapi.ContainerFilter{Id: "c0f"}, true},
		{"other id", &runtimeapi.ContainerFilter{Id: "c1"}, false},
		{"sandbox prefix", &runtimeapi.ContainerFilter{PodSandboxId: "5a5a"}, true},
		{"other sandbox", &runtimeapi.ContainerFilter{PodSandboxId: "5b"}, false},
		{"state matches", &runtimeapi.ContainerFilter{State: exited}, true},
		{"state differs", &runtimeapi.ContainerFilter{State: running}, false},
		{"label matches", &runtimeapi.ContainerFilter{LabelSelector: map[string]string{"io.kubernetes.container.name": "app"}}, true},
		{"label differs", &runtimeapi.ContainerFilter{LabelSelector: map[string]string{"io.kubernetes.container.name": "db"}}, false},
		{"all match", &runtimeapi.ContainerFilter{Id: "c0ffee1234", PodSandboxId: "5a5a5a5a", State: exited}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, MatchContainer(tt.filter, c))
		})
	}
}
