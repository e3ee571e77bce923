package e2e

import (
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// assertImageGone checks both CRI and dockerd no longer know ref.
func assertImageGone(t testing.TB, d *daemon, ref string) {
	t.Helper()
	resp, err := d.images.ImageStatus(testCtx(t), &runtimeapi.ImageSpec{Image: ref}, false)
	require.NoError(t, err)
	assert.Nil(t, resp.GetImage(), "ImageStatus(%s) after removal", ref)
	_, err = d.docker.ImageInspect(testCtx(t), ref)
	assert.True(t, cerrdefs.IsNotFound(err), "dockerd still has %s (inspect: %v)", ref, err)
}

func TestRemoveImageByTag(t *testing.T) {
	d := startDaemon(t)
	reg := startRegistry(t)
	pushTestImage(t, reg, "e2e/rmtag:v1")
	ref := reg.ref("e2e/rmtag:v1")
	pull(t, d, ref, nil)

	require.NoError(t, d.images.RemoveImage(testCtx(t), &runtimeapi.ImageSpec{Image: ref}))
	assertImageGone(t, d, ref)
}

func TestRemoveImageByID(t *testing.T) {
	d := startDaemon(t)
	reg := startRegistry(t)
	pushTestImage(t, reg, "e2e/rmid:v1")
	ref := reg.ref("e2e/rmid:v1")
	_, img := pull(t, d, ref, nil)

	require.NoError(t, d.images.RemoveImage(testCtx(t), &runtimeapi.ImageSpec{Image: img.GetId()}))
	assertImageGone(t, d, ref)
	assertImageGone(t, d, img.GetId())
}

func TestRemoveAbsentImageSucceeds(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	assert.NoError(t, d.images.RemoveImage(ctx, &runtimeapi.ImageSpec{Image: "localhost/dockercri-e2e/absent:nope"}))
	assert.NoError(t, d.images.RemoveImage(ctx, &runtimeapi.ImageSpec{Image: "sha256:" + unknownID}))
}
