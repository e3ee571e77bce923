package e2e

import (
	"encoding/base64"
	"os"
	"slices"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// cleanupImage force-removes from dockerd, at the end of the test, the image
// ref points to (if it was pulled).
func cleanupImage(t testing.TB, d *daemon, ref string) {
	t.Cleanup(func() {
		ctx, cancel := cleanupCtx()
		defer cancel()
		info, err := d.docker.ImageInspect(ctx, ref)
		if err != nil {
			return
		}
		if _, err := d.docker.ImageRemove(ctx, info.ID, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil && !cerrdefs.IsNotFound(err) {
			t.Logf("cleanup: remove image %s: %v", ref, err)
		}
	})
}

// pull pulls ref through CRI, returning the image status afterwards.
func pull(t testing.TB, d *daemon, ref string, auth *runtimeapi.AuthConfig) (string, *runtimeapi.Image) {
	t.Helper()
	cleanupImage(t, d, ref)
	imageRef, err := d.images.PullImage(testCtx(t), &runtimeapi.ImageSpec{Image: ref}, auth, nil)
	require.NoError(t, err, "PullImage(%s)", ref)
	resp, err := d.images.ImageStatus(testCtx(t), &runtimeapi.ImageSpec{Image: ref}, false)
	require.NoError(t, err)
	require.NotNil(t, resp.GetImage(), "ImageStatus(%s) after pull", ref)
	return imageRef, resp.GetImage()
}

// assertImageRef checks that PullImage's image_ref names img: its id or one
// of its repo digests, optionally with a docker:// or docker-pullable:// prefix.
func assertImageRef(t testing.TB, imageRef string, img *runtimeapi.Image) {
	t.Helper()
	r := strings.TrimPrefix(strings.TrimPrefix(imageRef, "docker-pullable://"), "docker://")
	assert.True(t, r == img.GetId() || slices.Contains(img.GetRepoDigests(), r),
		"image_ref %q names neither id %q nor digests %v", imageRef, img.GetId(), img.GetRepoDigests())
}

func TestPullImageByTag(t *testing.T) {
	d := startDaemon(t)
	reg := startRegistry(t)
	digest := pushTestImage(t, reg, "e2e/pull:v1")
	ref := reg.ref("e2e/pull:v1")

	imageRef, img := pull(t, d, ref, nil)
	assertImageRef(t, imageRef, img)
	assert.Contains(t, img.GetRepoTags(), ref)
	assert.Contains(t, img.GetRepoDigests(), reg.ref("e2e/pull@"+digest))
	info, err := d.docker.ImageInspect(testCtx(t), ref)
	require.NoError(t, err, "dockerd should hold the pulled image")
	assert.Equal(t, info.ID, img.GetId())
}

func TestPullImageByDigest(t *testing.T) {
	d := startDaemon(t)
	reg := startRegistry(t)
	digest := pushTestImage(t, reg, "e2e/bydigest:v1")
	ref := reg.ref("e2e/bydigest@" + digest)

	imageRef, img := pull(t, d, ref, nil)
	assertImageRef(t, imageRef, img)
	assert.Contains(t, img.GetRepoDigests(), ref)
}

func TestPullImageWithBasicAuth(t *testing.T) {
	d := startDaemon(t)
	reg := startRegistry(t, withBasicAuth("e2euser", "s3cret"))
	digest := pushTestImage(t, reg, "e2e/private:v1")
	ref := reg.ref("e2e/private:v1")
	cleanupImage(t, d, ref)

	spec := &runtimeapi.ImageSpec{Image: ref}
	_, err := d.images.PullImage(testCtx(t), spec, nil, nil)
	assert.Error(t, err, "pull without credentials must fail")
	_, err = d.images.PullImage(testCtx(t), spec, &runtimeapi.AuthConfig{Username: "e2euser", Password: "Wr0ngPassw0rd"}, nil)
	assert.Error(t, err, "pull with a wrong password must fail")

	t.Run("username+password", func(t *testing.T) {
		imageRef, img := pull(t, d, ref, &runtimeapi.AuthConfig{Username: "e2euser", Password: "s3cret"})
		assertImageRef(t, imageRef, img)
	})
	t.Run("auth field by digest", func(t *testing.T) {
		byDigest := reg.ref("e2e/private@" + digest)
		auth := base64.StdEncoding.EncodeToString([]byte("e2euser:s3cret"))
		imageRef, img := pull(t, d, byDigest, &runtimeapi.AuthConfig{Auth: auth})
		assertImageRef(t, imageRef, img)
	})

	// The daemon logs every call at debug level: no form of the secret
	// may appear (plain, as the auth field, or as Docker's encoded header).
	logged, err := os.ReadFile(d.stderrPath)
	require.NoError(t, err)
	require.Contains(t, string(logged), "PullImage", "the pulls were logged")
	for _, secret := range []string{
		"s3cret",
		base64.StdEncoding.EncodeToString([]byte("e2euser:s3cret")),
		base64.URLEncoding.EncodeToString([]byte(`{"username":"e2euser","password":"s3cret"`)),
		"Wr0ngPassw0rd",
	} {
		assert.NotContains(t, string(logged), secret, "a registry secret reached the log")
	}
}

func TestPullImageAbsentTagFails(t *testing.T) {
	d := startDaemon(t)
	reg := startRegistry(t)
	pushTestImage(t, reg, "e2e/present:v1")
	ref := reg.ref("e2e/present:absent")
	cleanupImage(t, d, ref)
	_, err := d.images.PullImage(testCtx(t), &runtimeapi.ImageSpec{Image: ref}, nil, nil)
	assert.Error(t, err)
}
