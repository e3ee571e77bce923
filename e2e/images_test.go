package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/dockercri/dockercri/internal/testimage"
)

// The rootfs recipe lives in internal/testimage, shared with the bench.
var (
	readStaticBusybox = testimage.ReadStaticBusybox
	rootfsTar         = testimage.RootfsTar
	busyboxPath       = testimage.BusyboxPath
)

// ensureBusyboxImage imports busyboxImage into dockerd unless an image with
// the same recipe hash is already there.
func ensureBusyboxImage(ctx context.Context, cli *client.Client) error {
	bb, err := readStaticBusybox()
	if err != nil {
		return err
	}
	layer, err := rootfsTar(bb, nil)
	if err != nil {
		return fmt.Errorf("build busybox rootfs tar: %w", err)
	}
	recipe := testimage.Recipe(layer)
	old, err := cli.ImageInspect(ctx, busyboxImage)
	switch {
	case err == nil && old.Config != nil && old.Config.Labels[testimage.RecipeLabel] == recipe:
		return nil
	case err != nil && !cerrdefs.IsNotFound(err):
		return fmt.Errorf("inspect %s: %w", busyboxImage, err)
	}
	if err := importImage(ctx, cli, layer, busyboxImage, recipe); err != nil {
		return err
	}
	if old.ID != "" {
		// The tag moved to the new import; drop the stale one if unused.
		_, _ = cli.ImageRemove(ctx, old.ID, image.RemoveOptions{PruneChildren: true})
	}
	return nil
}

// importImage imports a rootfs tar as ref with CMD ["sh"], no ENTRYPOINT.
func importImage(ctx context.Context, cli *client.Client, layer []byte, ref, recipe string) error {
	rc, err := cli.ImageImport(ctx, image.ImportSource{Source: bytes.NewReader(layer), SourceName: "-"}, ref,
		image.ImportOptions{Changes: testimage.Changes(recipe)})
	if err != nil {
		return fmt.Errorf("import %s: %w", ref, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("import %s: %w", ref, err)
	}
	return nil
}

// removeImageQuietly force-removes ref from dockerd, ignoring "not found".
func removeImageQuietly(cli *client.Client, ref string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := cli.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return err
	}
	return nil
}
