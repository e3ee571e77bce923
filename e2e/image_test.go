package e2e

import (
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// findImage returns the listed image whose repo tags contain ref.
func findImage(images []*runtimeapi.Image, ref string) *runtimeapi.Image {
	for _, img := range images {
		if slices.Contains(img.GetRepoTags(), ref) {
			return img
		}
	}
	return nil
}

func TestListImagesHasBusyboxAndPinnedPause(t *testing.T) {
	d := startDaemon(t)
	runSandbox(t, d) // makes sure the default pause image exists
	images, err := d.images.ListImages(testCtx(t), nil)
	require.NoError(t, err)

	bb := findImage(images, busyboxImage)
	require.NotNil(t, bb, "%s not listed", busyboxImage)
	assert.NotEmpty(t, bb.GetId())
	assert.Positive(t, bb.GetSize())
	assert.False(t, bb.GetPinned(), "only the sandbox image is pinned")

	pause := findImage(images, pauseImage)
	require.NotNil(t, pause, "%s not listed", pauseImage)
	assert.True(t, pause.GetPinned(), "the sandbox image must be reported pinned")
}

func TestImageStatus(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	resp, err := d.images.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: busyboxImage}, false)
	require.NoError(t, err)
	img := resp.GetImage()
	require.NotNil(t, img, "busybox image status")
	info, err := d.docker.ImageInspect(ctx, busyboxImage)
	require.NoError(t, err)
	assert.Equal(t, info.ID, img.GetId())
	assert.Contains(t, img.GetRepoTags(), busyboxImage)
	// kubelet's image GC counts on the size: it is what Docker itself
	// reports for the image (on the containerd store, content plus the
	// unpacked snapshot), the same in ListImages, and covers at least the
	// busybox binary the image holds.
	assert.Equal(t, uint64(info.Size), img.GetSize())
	list, err := d.images.ListImages(ctx, nil)
	require.NoError(t, err)
	if listed := findImage(list, busyboxImage); assert.NotNil(t, listed) {
		assert.Equal(t, img.GetSize(), listed.GetSize())
	}
	bin, err := os.Stat(busyboxPath())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, img.GetSize(), uint64(bin.Size()))

	// By id as well.
	resp, err = d.images.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: info.ID}, false)
	require.NoError(t, err)
	require.NotNil(t, resp.GetImage(), "status by id")
	assert.Equal(t, info.ID, resp.GetImage().GetId())

	resp, err = d.images.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: "localhost/dockercri-e2e/absent:nope"}, false)
	require.NoError(t, err, "ImageStatus of an absent image is not an error")
	assert.Nil(t, resp.GetImage(), "absent image must have a nil image")
}

func TestImageFsInfo(t *testing.T) {
	d := startDaemon(t)
	resp, err := d.images.ImageFsInfo(testCtx(t))
	require.NoError(t, err)
	require.NotEmpty(t, resp.GetImageFilesystems())
	for _, fs := range resp.GetImageFilesystems() {
		assert.NotEmpty(t, fs.GetFsId().GetMountpoint(), "image fs mountpoint")
		require.NotNil(t, fs.GetUsedBytes(), "image fs used bytes")
		assert.Positive(t, fs.GetUsedBytes().GetValue(), "image fs used bytes")
		assert.Positive(t, fs.GetTimestamp())
	}
	// The image filesystem reports the bytes images take (at least the
	// busybox fixture), no more than the filesystem holds.
	bb, err := d.images.ImageStatus(testCtx(t), &runtimeapi.ImageSpec{Image: busyboxImage}, false)
	require.NoError(t, err)
	require.NotEmpty(t, resp.GetContainerFilesystems())
	images := resp.GetImageFilesystems()[0].GetUsedBytes().GetValue()
	assert.GreaterOrEqual(t, images, bb.GetImage().GetSize())
	assert.LessOrEqual(t, images, resp.GetContainerFilesystems()[0].GetUsedBytes().GetValue())
	t.Logf("ImageFsInfo: %v", resp)
}
