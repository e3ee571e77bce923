package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// layerTar returns a deterministic tar of files (root-owned, fixed mtime).
func layerTar(t testing.TB, files []layerFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, ModTime: mtime, Typeflag: tar.TypeReg, Size: int64(len(f.data))}
		switch {
		case f.hardlink != "":
			h.Typeflag, h.Linkname, h.Mode, h.Size = tar.TypeLink, f.hardlink, 0o755, 0
		case f.link != "":
			h.Typeflag, h.Linkname, h.Mode, h.Size = tar.TypeSymlink, f.link, 0o777, 0
		case strings.HasSuffix(f.name, "/"):
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarLayer(t testing.TB, data []byte) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// pushCritestImages builds every image of imgs on top of the shared base
// layer and pushes it to reg.
func pushCritestImages(t testing.TB, reg *testRegistry, imgs []critestImage, helper []byte) {
	t.Helper()
	base := tarLayer(t, layerTar(t, baseLayerFiles(t, helper)))
	latest := map[string]bool{}
	for _, ci := range imgs {
		layers := []v1.Layer{base}
		if ci.layer != nil {
			layers = []v1.Layer{tarLayer(t, ci.layer)}
		}
		if len(ci.files) > 0 {
			layers = append(layers, tarLayer(t, layerTar(t, ci.files)))
		}
		cfg := ci.config
		img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
			Architecture: runtime.GOARCH, OS: "linux", Created: v1.Time{Time: time.Unix(1700000000, 0)},
			RootFS: v1.RootFS{Type: "layers"}, Config: cfg,
		})
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, layers...); err != nil {
			t.Fatal(err)
		}
		// critest's PrepareImageName drops the tag when it swaps the registry
		// (it keeps only reference.Path), so every pull asks for :latest:
		// push each image there too (the first image of a repository wins).
		refs := []string{reg.ref(ci.path)}
		if repo, _, ok := strings.Cut(ci.path, ":"); ok && !latest[repo] {
			latest[repo] = true
			refs = append(refs, reg.ref(repo+":latest"))
		}
		for _, r := range refs {
			ref, err := name.ParseReference(r, name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			if err := remote.Write(ref, img, remote.WithContext(testCtx(t))); err != nil {
				t.Fatalf("push %s: %v", ref, err)
			}
		}
	}
}

// preseedImages pulls into dockerd the images critest creates containers
// from by their upstream name and tags them with it: critest pulls
// PrepareImageName(name) (the prefixed one) but then creates the container
// with the unprefixed name, which only works if that name is already on the
// node, as on a node whose images were pre-pulled. The cleanup removes the
// tags and every image of reg left in dockerd.
func preseedImages(t testing.TB, reg *testRegistry, imgs []critestImage) {
	t.Helper()
	ctx := testCtx(t)
	var tagged []string
	t.Cleanup(func() { removeRegistryImages(t, reg, tagged) })
	for _, ci := range imgs {
		if ci.upstream == "" {
			continue
		}
		src := reg.ref(ci.path)
		rc, err := dockerCli.ImagePull(ctx, src, image.PullOptions{})
		if err != nil {
			t.Fatalf("docker pull %s: %v", src, err)
		}
		err = jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil)
		rc.Close()
		if err != nil {
			t.Fatalf("docker pull %s: %v", src, err)
		}
		if err := dockerCli.ImageTag(ctx, src, ci.upstream); err != nil {
			t.Fatalf("docker tag %s %s: %v", src, ci.upstream, err)
		}
		tagged = append(tagged, ci.upstream)
	}
}

// removeRegistryImages removes the upstream tags this test made and every
// image that still has a name in reg (critest leaves some behind when a
// spec fails half-way).
func removeRegistryImages(t testing.TB, reg *testRegistry, tags []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, tag := range tags {
		if _, err := dockerCli.ImageRemove(ctx, tag, image.RemoveOptions{PruneChildren: true}); err != nil {
			t.Logf("cleanup: remove %s: %v", tag, err)
		}
	}
	list, err := dockerCli.ImageList(ctx, image.ListOptions{All: true})
	if err != nil {
		t.Logf("cleanup: list images: %v", err)
		return
	}
	for _, img := range list {
		for _, ref := range append(img.RepoTags, img.RepoDigests...) {
			if strings.HasPrefix(ref, reg.host+"/") {
				if _, err := dockerCli.ImageRemove(ctx, img.ID, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil {
					t.Logf("cleanup: remove %s (%s): %v", img.ID, ref, err)
				}
				break
			}
		}
	}
}

// sweepCritestContainers force-removes the containers critest left in
// dockerd: its pods use namespaces "cri-test-namespace<uuid>"; only
// containers created since this run started are touched.
func sweepCritestContainers(t testing.TB, since time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	list, err := dockerCli.ContainerList(ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("name", "_cri-test-namespace"))})
	if err != nil {
		t.Logf("sweep: list containers: %v", err)
		return
	}
	n := 0
	for _, c := range list {
		if time.Unix(c.Created, 0).Before(since.Add(-time.Second)) {
			continue
		}
		n++
		if err := dockerCli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			t.Logf("sweep: remove %s %v: %v", c.ID[:12], c.Names, err)
		}
	}
	if n > 0 {
		t.Logf("sweep: removed %d containers critest left behind", n)
	}
}
