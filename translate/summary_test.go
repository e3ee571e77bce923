package translate

import (
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

func TestSandboxFromSummary(t *testing.T) {
	s := &container.Summary{
		ID:      testSandboxID,
		Names:   []string{"/linked/alias", "/k8s_POD_web_default_uid-1_2"},
		State:   "exited",
		Created: 1714557600,
		Labels:  map[string]string{LabelType: TypeSandbox, "app": "web", "annotation.a": "b"},
	}
	sb, err := SandboxFromSummary(s)
	require.NoError(t, err)
	assert.Equal(t, testSandboxID, sb.Id)
	assert.Equal(t, &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "uid-1", Attempt: 2}, sb.Metadata)
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, sb.State)
	assert.Equal(t, time.Unix(1714557600, 0).UnixNano(), sb.CreatedAt)
	assert.Equal(t, map[string]string{"app": "web"}, sb.Labels)
	assert.Equal(t, map[string]string{"a": "b"}, sb.Annotations)
}

func TestContainerFromSummary(t *testing.T) {
	s := &container.Summary{
		ID:      "c0ffee",
		Names:   []string{"/k8s_app_web_default_uid-1_4"},
		Image:   "busybox:latest",
		ImageID: "sha256:b0b0",
		State:   "running",
		Created: 1714557600,
		Labels:  map[string]string{LabelType: TypeContainer, LabelSandboxID: testSandboxID, LabelLogPath: "/l", "k": "v"},
	}
	c, err := ContainerFromSummary(s)
	require.NoError(t, err)
	assert.Equal(t, "c0ffee", c.Id)
	assert.Equal(t, testSandboxID, c.PodSandboxId)
	assert.Equal(t, &runtimeapi.ContainerMetadata{Name: "app", Attempt: 4}, c.Metadata)
	assert.Equal(t, "busybox:latest", c.Image.Image)
	assert.Equal(t, "sha256:b0b0", c.ImageId)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, c.State)
	assert.Equal(t, map[string]string{"k": "v"}, c.Labels)
	assert.Empty(t, c.Annotations)
}

func TestFromSummaryRejectsForeignNames(t *testing.T) {
	tests := []struct {
		name  string
		names []string
	}{
		{"no names", nil},
		{"not kubernetes", []string{"/romantic_turing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SandboxFromSummary(&container.Summary{Names: tt.names})
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
			_, err = ContainerFromSummary(&container.Summary{Names: tt.names})
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}
