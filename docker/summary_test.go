package docker

import (
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/assert"
)

func TestSummaryOf(t *testing.T) {
	labels := map[string]string{"io.kubernetes.docker.type": "container"}
	tests := []struct {
		name string
		in   ContainerInfo
		want ContainerSummary
	}{
		{name: "empty", in: ContainerInfo{}, want: ContainerSummary{}},
		{
			name: "running",
			in: ContainerInfo{
				ContainerJSONBase: &container.ContainerJSONBase{
					ID: "abc", Name: "/k8s_app_web_default_uid_0", Image: "sha256:1234",
					Created: "2026-11-23T19:00:01.123456789Z",
					State:   &container.State{Status: container.StateRunning, Running: true},
				},
				Config: &container.Config{Image: "busybox:1", Labels: labels},
			},
			want: ContainerSummary{
				ID: "abc", Names: []string{"/k8s_app_web_default_uid_0"}, Image: "busybox:1", ImageID: "sha256:1234",
				Labels: labels, State: container.StateRunning, Created: 1795460401,
			},
		},
		{
			name: "bad time and no state",
			in: ContainerInfo{
				ContainerJSONBase: &container.ContainerJSONBase{ID: "abc", Created: "yesterday"},
			},
			want: ContainerSummary{ID: "abc"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, SummaryOf(tt.in))
		})
	}
}
