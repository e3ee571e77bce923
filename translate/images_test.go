package translate

import (
	"testing"

	"github.com/docker/docker/api/types/image"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestImageUser(t *testing.T) {
	tests := []struct {
		user     string
		wantUID  *runtimeapi.Int64Value
		wantName string
	}{
		{"", nil, ""},
		{"0", &runtimeapi.Int64Value{Value: 0}, ""},
		{"1000", &runtimeapi.Int64Value{Value: 1000}, ""},
		{"1000:1000", &runtimeapi.Int64Value{Value: 1000}, ""},
		{"nobody", nil, "nobody"},
		{"nobody:nogroup", nil, "nobody"},
		{"www-data:33", nil, "www-data"},
		{":1000", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			uid, name := ImageUser(tt.user)
			assert.Equal(t, tt.wantUID, uid)
			assert.Equal(t, tt.wantName, name)
		})
	}
}

func TestImageFromSummary(t *testing.T) {
	tests := []struct {
		name   string
		in     image.Summary
		pinned bool
		want   *runtimeapi.Image
	}{
		{"tagged", image.Summary{ID: "sha256:aa", RepoTags: []string{"busybox:latest", "busybox:1"}, RepoDigests: []string{"busybox@sha256:dd"}, Size: 4096}, true,
			&runtimeapi.Image{Id: "sha256:aa", RepoTags: []string{"busybox:latest", "busybox:1"}, RepoDigests: []string{"busybox@sha256:dd"}, Size: 4096, Pinned: true}},
		{"dangling", image.Summary{ID: "sha256:bb", RepoTags: []string{"<none>:<none>"}, RepoDigests: []string{"<none>@<none>"}, Size: 1}, false,
			&runtimeapi.Image{Id: "sha256:bb", Size: 1}},
		{"negative size", image.Summary{ID: "sha256:cc", Size: -1}, false, &runtimeapi.Image{Id: "sha256:cc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ImageFromSummary(&tt.in, tt.pinned))
		})
	}
}

func imageConfig(user string) *dockerspec.DockerOCIImageConfig {
	return &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{User: user}}
}

func TestImageFromInspect(t *testing.T) {
	tests := []struct {
		name     string
		in       image.InspectResponse
		wantUID  *runtimeapi.Int64Value
		wantName string
	}{
		{"no config", image.InspectResponse{ID: "sha256:ee"}, nil, ""},
		{"root by default", image.InspectResponse{ID: "sha256:ee", Config: imageConfig("")}, nil, ""},
		{"numeric user", image.InspectResponse{ID: "sha256:ee", Config: imageConfig("1000:1000")}, &runtimeapi.Int64Value{Value: 1000}, ""},
		{"named user", image.InspectResponse{ID: "sha256:ee", Config: imageConfig("nobody:nogroup")}, nil, "nobody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.RepoTags = []string{"<none>:<none>", "app:v1"}
			tt.in.RepoDigests = []string{"app@sha256:12"}
			tt.in.Size = 77
			got := ImageFromInspect(&tt.in, false)
			assert.Equal(t, "sha256:ee", got.Id)
			assert.Equal(t, []string{"app:v1"}, got.RepoTags)
			assert.Equal(t, []string{"app@sha256:12"}, got.RepoDigests)
			assert.Equal(t, uint64(77), got.Size)
			assert.Equal(t, "sha256:ee", got.Spec.Image)
			assert.False(t, got.Pinned)
			assert.Equal(t, tt.wantUID, got.Uid)
			assert.Equal(t, tt.wantName, got.Username)
		})
	}
}

func TestImageInspectInfo(t *testing.T) {
	info := ImageInspectInfo(&image.InspectResponse{ID: "sha256:ff", RepoDigests: []string{"<none>@<none>", "r/a@sha256:1"}})
	assert.Equal(t, ImageInfo{ID: "sha256:ff", RepoDigests: []string{"r/a@sha256:1"}}, info)
	assert.Equal(t, "docker-pullable://r/a@sha256:1", ImageRef(info))
}
