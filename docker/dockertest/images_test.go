package dockertest

import (
	"context"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

func TestInspectImageByReference(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()))
	id := busybox().ID
	for _, ref := range []string{"busybox", "busybox:latest", "docker.io/library/busybox:latest", id, strings.TrimPrefix(id, "sha256:"), id[:19]} {
		img, err := e.InspectImage(ctx, ref)
		require.NoError(t, err, ref)
		assert.Equal(t, id, img.ID, ref)
	}
	for _, ref := range []string{"busybox:1", "alpine", "sha256:22"} {
		_, err := e.InspectImage(ctx, ref)
		assert.ErrorIs(t, err, errdefs.ErrNotFound, ref)
	}
}

func TestPullImage(t *testing.T) {
	ctx := context.Background()
	e := New(WithRemoteImage("registry.local/app:v1", image.InspectResponse{ID: "sha256:aa", RepoDigests: []string{"registry.local/app@" + digest}}))

	_, err := e.PullImage(ctx, "registry.local/app:v2", "")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)

	rc, err := e.PullImage(ctx, "registry.local/app:v1", "c2VjcmV0")
	require.NoError(t, err)
	var statuses []string
	require.NoError(t, docker.DrainPull(rc, func(p docker.Progress) { statuses = append(statuses, p.Status) }))
	require.NoError(t, rc.Close())
	assert.Len(t, statuses, 4)
	assert.Equal(t, []Pull{{Ref: "registry.local/app:v1", Auth: "c2VjcmV0"}}, e.Pulls())

	img, err := e.InspectImage(ctx, "registry.local/app:v1")
	require.NoError(t, err)
	assert.Equal(t, "sha256:aa", img.ID)
	assert.Equal(t, []string{"registry.local/app:v1"}, img.RepoTags)
	assert.Equal(t, []string{"registry.local/app@" + digest}, img.RepoDigests)
}

const digest = "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

func TestRemoveImage(t *testing.T) {
	ctx := context.Background()
	e := New()
	id := e.AddImage(image.InspectResponse{RepoTags: []string{"app:v1", "app:latest"}, RepoDigests: []string{"app@" + digest}})

	require.NoError(t, e.RemoveImage(ctx, "app:v1", false))
	img, err := e.InspectImage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, []string{"app:latest"}, img.RepoTags, "removing one tag keeps the image")
	assert.Equal(t, []string{"app@" + digest}, img.RepoDigests)

	require.NoError(t, e.RemoveImage(ctx, "app:latest", false))
	_, err = e.InspectImage(ctx, id)
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "the last tag takes the image and its digests with it")
	assert.ErrorIs(t, e.RemoveImage(ctx, "app:latest", false), errdefs.ErrNotFound)
}

func TestRemoveImageInUse(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()))
	cid := create(t, e, "c1", nil)
	id := busybox().ID

	assert.ErrorIs(t, e.RemoveImage(ctx, id, false), errdefs.ErrAlreadyExists, "in use by a stopped container")
	assert.ErrorIs(t, e.RemoveImage(ctx, "busybox:latest", false), errdefs.ErrAlreadyExists, "its only tag cannot go without force")
	require.NoError(t, e.StartContainer(ctx, cid))
	assert.ErrorIs(t, e.RemoveImage(ctx, id, true), errdefs.ErrAlreadyExists, "never while the container runs")

	require.NoError(t, e.RemoveImage(ctx, "busybox:latest", true), "forced untagging is allowed")
	img, err := e.InspectImage(ctx, id)
	require.NoError(t, err, "the image stays, untagged, while used")
	assert.Empty(t, img.RepoTags)

	require.NoError(t, e.RemoveContainer(ctx, cid))
	require.NoError(t, e.RemoveImage(ctx, id, false))
	assert.Empty(t, e.ImageIDs())
}

func TestRemoveImageByIDInSeveralRepositories(t *testing.T) {
	ctx := context.Background()
	e := New()
	id := e.AddImage(image.InspectResponse{RepoTags: []string{"a:1", "b:1"}})
	assert.ErrorIs(t, e.RemoveImage(ctx, id, false), errdefs.ErrAlreadyExists)
	require.NoError(t, e.RemoveImage(ctx, id, true))
	assert.Empty(t, e.ImageIDs())
}

func TestImportImage(t *testing.T) {
	ctx := context.Background()
	e := New()
	require.NoError(t, e.ImportImage(ctx, strings.NewReader("tar"), "dockercri/pause:builtin", []string{`ENTRYPOINT ["/pause"]`, "USER 65535"}))
	img, err := e.InspectImage(ctx, "dockercri/pause:builtin")
	require.NoError(t, err)
	assert.Equal(t, []string{"/pause"}, img.Config.Entrypoint)
	assert.Equal(t, "65535", img.Config.User)
	assert.Equal(t, []string{"dockercri/pause:builtin"}, img.RepoTags)

	require.NoError(t, e.ImportImage(ctx, strings.NewReader("tar2"), "dockercri/pause:builtin", nil))
	list, err := e.ListImages(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	var tags [][]string
	for _, s := range list {
		tags = append(tags, s.RepoTags)
	}
	assert.ElementsMatch(t, [][]string{{"dockercri/pause:builtin"}, {"<none>:<none>"}}, tags, "re-import moves the tag")

	assert.ErrorIs(t, e.ImportImage(ctx, strings.NewReader(""), "Bad:Ref", nil), errdefs.ErrInvalidArgument)
	assert.ErrorIs(t, e.ImportImage(ctx, strings.NewReader(""), "x", []string{"ENTRYPOINT not-json"}), errdefs.ErrInvalidArgument)
}

func TestInfoAndVersion(t *testing.T) {
	ctx := context.Background()
	e := New()
	info, err := e.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, "cgroupfs", info.CgroupDriver)
	assert.Equal(t, "/var/lib/docker", info.DockerRootDir)
	assert.Contains(t, info.Runtimes, "runc")
	v, err := e.Version(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, v.Version)
	e.FailNext("Info", errdefs.Wrap(errdefs.ErrUnavailable, context.Canceled))
	_, err = e.Info(ctx)
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
}
