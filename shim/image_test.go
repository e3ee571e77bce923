package shim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker/dockertest"
	"github.com/dockercri/dockercri/internal/errdefs"
)

const remoteDigest = "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

func withRemoteApp() envOpt {
	return withEngineOptions(dockertest.WithRemoteImage("registry.local/app:v1", image.InspectResponse{
		ID:          "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		RepoDigests: []string{"registry.local/app@" + remoteDigest},
		Config:      &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{User: "1000:1000"}},
	}))
}

func pullReq(ref string, auth *runtimeapi.AuthConfig) *runtimeapi.PullImageRequest {
	return &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: ref}, Auth: auth}
}

func TestPullImage(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t, withRemoteApp())
	resp, err := env.svc.PullImage(ctx, pullReq("registry.local/app:v1", &runtimeapi.AuthConfig{Username: "alice", Password: "pw"}))
	require.NoError(t, err)
	assert.Equal(t, "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", resp.ImageRef)

	pulls := env.engine.Pulls()
	require.Len(t, pulls, 1)
	assert.Equal(t, "registry.local/app:v1", pulls[0].Ref)
	raw, err := base64.URLEncoding.DecodeString(pulls[0].Auth)
	require.NoError(t, err)
	var auth registry.AuthConfig
	require.NoError(t, json.Unmarshal(raw, &auth))
	assert.Equal(t, "alice", auth.Username)
	assert.Equal(t, "pw", auth.Password)

	st, err := env.svc.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: "registry.local/app:v1"}})
	require.NoError(t, err)
	require.NotNil(t, st.Image)
	assert.Equal(t, []string{"registry.local/app:v1"}, st.Image.RepoTags)
	assert.Equal(t, &runtimeapi.Int64Value{Value: 1000}, st.Image.Uid)
	assert.False(t, st.Image.Pinned)
}

func TestPullImageErrors(t *testing.T) {
	tests := []struct {
		name   string
		req    *runtimeapi.PullImageRequest
		inject error
		want   codes.Code
	}{
		{"no image", &runtimeapi.PullImageRequest{}, nil, codes.InvalidArgument},
		{"malformed reference", pullReq("Registry.local/App", nil), nil, codes.InvalidArgument},
		{"bad auth", pullReq("registry.local/app:v1", &runtimeapi.AuthConfig{Auth: "%%"}), nil, codes.InvalidArgument},
		{"unknown image", pullReq("registry.local/app:v9", nil), nil, codes.NotFound},
		// As docker.Client classifies Docker's 500 on a pull.
		{"registry failing", pullReq("registry.local/app:v1", nil), errdefs.Wrap(errdefs.ErrUnavailable, errors.New("received unexpected HTTP status: 502 Bad Gateway")), codes.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, withRemoteApp())
			if tt.inject != nil {
				env.engine.FailNext("PullImage", tt.inject)
			}
			_, err := env.svc.PullImage(context.Background(), tt.req)
			assert.Equal(t, tt.want, codeOf(err), "%v", err)
		})
	}
}

// stallingPull is an engine whose pulls never report progress.
type stallingPull struct{ *dockertest.Engine }

func (stallingPull) PullImage(ctx context.Context, _, _ string) (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	go func() {
		<-ctx.Done()
		pw.CloseWithError(ctx.Err())
	}()
	return pr, nil
}

// The progress watch cancels a stalled pull with a DeadlineExceeded cause
// (image_pull.go); the caller must see DeadlineExceeded.
func TestPullImageStalledIsDeadlineExceeded(t *testing.T) {
	env := newTestEnv(t)
	cfg := env.svc.cfg
	cfg.PullProgressDeadline = 50 * time.Millisecond
	svc, err := newTestService(t, cfg, stallingPull{env.engine}, env.svc.hostLimits())
	require.NoError(t, err)

	start := time.Now()
	_, err = svc.PullImage(context.Background(), pullReq("registry.local/app:v1", nil))
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, codes.DeadlineExceeded, codeOf(err), "%v", err)
}

func TestImageStatusAbsent(t *testing.T) {
	env := newTestEnv(t)
	resp, err := env.svc.ImageStatus(context.Background(), &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: "nothere:1"}})
	require.NoError(t, err, "an absent image is no error")
	assert.Nil(t, resp.Image)
	_, err = env.svc.ImageStatus(context.Background(), &runtimeapi.ImageStatusRequest{})
	assert.Equal(t, codes.InvalidArgument, codeOf(err))
}

func TestRemoveImage(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	id := env.engine.AddImage(image.InspectResponse{RepoTags: []string{"app:v1", "app:v2", "other:1"}})
	remove := func(ref string) error {
		_, err := env.svc.RemoveImage(ctx, &runtimeapi.RemoveImageRequest{Image: &runtimeapi.ImageSpec{Image: ref}})
		return err
	}

	require.NoError(t, remove("app:v1"))
	img, err := env.engine.InspectImage(ctx, id)
	require.NoError(t, err, "removing one tag keeps the image")
	assert.Equal(t, []string{"app:v2", "other:1"}, img.RepoTags)

	require.NoError(t, remove(id[:19]), "by id, every tag goes")
	assert.NotContains(t, env.engine.ImageIDs(), id)
	require.NoError(t, remove(id), "an absent image is success")
}

// Docker answers 409 for an image a container uses; RemoveImage turns that
// into FailedPrecondition (image_remove.go), which kubelet must receive.
func TestRemoveImageInUseIsFailedPrecondition(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	env.createContainer(t, sb, sbCfg, containerConfig())

	for _, ref := range []string{testAppImage, testPauseImage} {
		_, err := env.svc.RemoveImage(ctx, &runtimeapi.RemoveImageRequest{Image: &runtimeapi.ImageSpec{Image: ref}})
		assert.Equal(t, codes.FailedPrecondition, codeOf(err), "%s: %v", ref, err)
		_, err = env.engine.InspectImage(ctx, ref)
		assert.NoError(t, err, "%s is still there", ref)
	}
}

func TestListImages(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	dangling := env.engine.AddImage(image.InspectResponse{})
	resp, err := env.svc.ListImages(ctx, &runtimeapi.ListImagesRequest{})
	require.NoError(t, err)
	require.Len(t, resp.Images, 3)
	for _, img := range resp.Images {
		assert.NotContains(t, img.RepoTags, "<none>:<none>")
		if img.Id == dangling {
			assert.Empty(t, img.RepoTags)
		}
	}
	pause, err := env.engine.InspectImage(ctx, testPauseImage)
	require.NoError(t, err)
	filtered, err := env.svc.ListImages(ctx, &runtimeapi.ListImagesRequest{Filter: &runtimeapi.ImageFilter{Image: &runtimeapi.ImageSpec{Image: testPauseImage}}})
	require.NoError(t, err)
	require.Len(t, filtered.Images, 1)
	assert.Equal(t, pause.ID, filtered.Images[0].Id)
	assert.True(t, filtered.Images[0].Pinned, "the sandbox image is pinned")
}
