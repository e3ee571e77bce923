package main

import (
	"bytes"
	"context"
	"fmt"
	"io"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/dockercri/dockercri/internal/testimage"
)

// busyboxImage is the e2e suite's busybox image (internal/testimage), so
// the bench and the suite share one image and neither re-imports the
// other's.
const busyboxImage = testimage.Busybox

// ensureImage makes sure ref exists: the busybox test image is imported
// from the host's static busybox when absent; any other image must exist.
func ensureImage(ctx context.Context, cli *client.Client, ref string) error {
	_, err := cli.ImageInspect(ctx, ref)
	if err == nil {
		return nil // built by e2e or an earlier bench run
	}
	if ref != busyboxImage || !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("image %s: %w", ref, err)
	}
	bb, err := testimage.ReadStaticBusybox()
	if err != nil {
		return err
	}
	layer, err := testimage.RootfsTar(bb, nil)
	if err != nil {
		return fmt.Errorf("build busybox rootfs: %w", err)
	}
	logf("importing %s", ref)
	rc, err := cli.ImageImport(ctx, image.ImportSource{Source: bytes.NewReader(layer), SourceName: "-"}, ref,
		image.ImportOptions{Changes: testimage.Changes(testimage.Recipe(layer))})
	if err != nil {
		return fmt.Errorf("import %s: %w", ref, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("import %s: %w", ref, err)
	}
	return nil
}
