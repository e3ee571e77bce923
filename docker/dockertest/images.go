package dockertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/image"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

// normalize returns the canonical form of an image reference
// ("busybox" -> "docker.io/library/busybox:latest"), or "" when ref is not
// a reference.
func normalize(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ""
	}
	return reference.TagNameOnly(named).String()
}

// familiar is the short form Docker reports in RepoTags ("busybox:latest").
func familiar(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return reference.FamiliarString(reference.TagNameOnly(named))
}

func repoOf(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return named.Name()
}

// AddImage stores a local image; an empty ID gets a random one. RepoTags and
// RepoDigests are the references it answers to. It returns the id.
func (e *Engine) AddImage(img image.InspectResponse) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if img.ID == "" {
		img.ID = "sha256:" + newID()
	}
	img.RepoTags = append([]string(nil), img.RepoTags...)
	img.RepoDigests = append([]string(nil), img.RepoDigests...)
	e.images[img.ID] = &img
	return img.ID
}

// AddRemoteImage makes ref pullable: PullImage(ref) stores img locally,
// tagged ref.
func (e *Engine) AddRemoteImage(ref string, img image.InspectResponse) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.remote[normalize(ref)] = img
}

// Pulls lists the PullImage calls that succeeded, in order.
func (e *Engine) Pulls() []Pull {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Pull(nil), e.pulls...)
}

// ImageIDs lists the ids of all local images, sorted.
func (e *Engine) ImageIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, 0, len(e.images))
	for id := range e.images {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// resolveImage finds a local image by reference, full id, id without
// "sha256:" or unique id prefix. The caller holds e.mu.
func (e *Engine) resolveImage(ref string) (*image.InspectResponse, error) {
	img, _, err := e.resolveImageRef(ref)
	return img, err
}

// resolveImageRef also reports whether ref named a tag or digest reference
// rather than the id.
func (e *Engine) resolveImageRef(ref string) (*image.InspectResponse, bool, error) {
	if ref == "" {
		return nil, false, errdefs.InvalidArgument("image reference is empty")
	}
	if n := normalize(ref); n != "" {
		for _, img := range e.images {
			for _, r := range append(append([]string{}, img.RepoTags...), img.RepoDigests...) {
				if normalize(r) == n {
					return img, true, nil
				}
			}
		}
	}
	hex := strings.TrimPrefix(ref, "sha256:")
	var found *image.InspectResponse
	for id, img := range e.images {
		if id == ref || (len(hex) > 0 && strings.HasPrefix(strings.TrimPrefix(id, "sha256:"), hex)) {
			if found != nil && id != ref {
				return nil, false, errdefs.InvalidArgument("multiple images found with prefix %s", ref)
			}
			found = img
		}
	}
	if found == nil {
		return nil, false, errdefs.NotFound("No such image: %s", ref)
	}
	return found, false, nil
}

// ImagesDiskUsage sums the images' sizes (the fake shares no layers).
func (e *Engine) ImagesDiskUsage(ctx context.Context) (int64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "ImagesDiskUsage"); err != nil {
		return 0, err
	}
	var n int64
	for _, img := range e.images {
		n += img.Size
	}
	return n, nil
}

// ListImages lists local images by id.
func (e *Engine) ListImages(ctx context.Context) ([]image.Summary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "ListImages"); err != nil {
		return nil, err
	}
	out := make([]image.Summary, 0, len(e.images))
	for _, img := range e.images {
		s := image.Summary{ID: img.ID, RepoTags: img.RepoTags, RepoDigests: img.RepoDigests, Size: img.Size}
		if img.Config != nil {
			s.Labels = copyMap(img.Config.Labels)
		}
		if len(s.RepoTags) == 0 {
			s.RepoTags = []string{"<none>:<none>"}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// InspectImage returns a local image by reference or id.
func (e *Engine) InspectImage(ctx context.Context, ref string) (image.InspectResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "InspectImage"); err != nil {
		return image.InspectResponse{}, err
	}
	img, err := e.resolveImage(ref)
	if err != nil {
		return image.InspectResponse{}, err
	}
	out := *img
	out.RepoTags = append([]string(nil), img.RepoTags...)
	out.RepoDigests = append([]string(nil), img.RepoDigests...)
	return out, nil
}

// PullImage copies a remote image (AddRemoteImage) to the local store and
// tags it; an unknown one is NotFound, as Docker's 404 is.
func (e *Engine) PullImage(ctx context.Context, ref, auth string) (io.ReadCloser, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "PullImage"); err != nil {
		return nil, err
	}
	remote, ok := e.remote[normalize(ref)]
	if !ok {
		return nil, errdefs.NotFound("pull access denied for %s, repository does not exist or may require 'docker login'", ref)
	}
	e.pulls = append(e.pulls, Pull{Ref: ref, Auth: auth})
	if remote.ID == "" {
		remote.ID = "sha256:" + newID()
	}
	local, have := e.images[remote.ID]
	if !have {
		cp := remote
		cp.RepoTags, cp.RepoDigests = nil, append([]string(nil), remote.RepoDigests...)
		local = &cp
		e.images[remote.ID] = local
	}
	e.tag(local, ref)
	msgs := []map[string]string{
		{"status": "Pulling from " + repoOf(ref), "id": "latest"},
		{"status": "Pull complete", "id": "0123456789ab"},
		{"status": "Digest: " + remote.ID},
		{"status": "Status: Downloaded newer image for " + familiar(ref)},
	}
	var sb strings.Builder
	for _, m := range msgs {
		buf, _ := json.Marshal(m)
		sb.Write(buf)
		sb.WriteByte('\n')
	}
	return io.NopCloser(strings.NewReader(sb.String())), nil
}

// tag points ref at img, moving it from any image that had it. Digest
// references are left alone. The caller holds e.mu.
func (e *Engine) tag(img *image.InspectResponse, ref string) {
	if strings.Contains(ref, "@") {
		return
	}
	t := familiar(ref)
	for _, other := range e.images {
		other.RepoTags = without(other.RepoTags, t)
	}
	img.RepoTags = append(img.RepoTags, t)
}

func without(list []string, s string) []string {
	out := list[:0:0]
	for _, v := range list {
		if normalize(v) != normalize(s) {
			out = append(out, v)
		}
	}
	return out
}

// RemoveImage removes a reference, or by id the image with all its
// references, as dockerd does (daemon/images/image_delete.go):
//   - the only reference of an image a container uses is kept unless force
//     (Docker's 409 conflict: it would leave the image dangling);
//   - by id, an image with tags in several repositories, or one a container
//     uses, is kept unless force; one a running container uses, always.
//
// Conflicts are AlreadyExists, as the client classifies a 409.
func (e *Engine) RemoveImage(ctx context.Context, ref string, force bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "RemoveImage"); err != nil {
		return err
	}
	img, byRef, err := e.resolveImageRef(ref)
	if err != nil {
		return err
	}
	if byRef {
		if !force && singleReference(img) && e.imageInUse(img.ID, true) {
			return errdefs.AlreadyExists("conflict: unable to remove repository reference %q (must force) - a container is using its referenced image %s", ref, img.ID)
		}
		img.RepoTags, img.RepoDigests = without(img.RepoTags, ref), without(img.RepoDigests, ref)
		if !strings.Contains(ref, "@") && !hasRepo(img.RepoTags, repoOf(ref)) {
			// The repository's last tag is gone: its digests go with it.
			img.RepoDigests = withoutRepo(img.RepoDigests, repoOf(ref))
		}
		if len(img.RepoTags)+len(img.RepoDigests) > 0 || e.imageInUse(img.ID, true) {
			return nil
		}
	} else {
		switch {
		case e.imageInUse(img.ID, false):
			return errdefs.AlreadyExists("conflict: unable to delete %s (cannot be forced) - image is being used by a running container", ref)
		case !force && e.imageInUse(img.ID, true):
			return errdefs.AlreadyExists("conflict: unable to delete %s (must be forced) - image is being used by a stopped container", ref)
		case !force && !singleReference(img):
			return errdefs.AlreadyExists("conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories", ref)
		}
	}
	delete(e.images, img.ID)
	return nil
}

// singleReference: at most one tag, and digests only of that tag's
// repository (Docker's isSingleReference).
func singleReference(img *image.InspectResponse) bool {
	if len(img.RepoTags) > 1 {
		return false
	}
	repo := ""
	if len(img.RepoTags) == 1 {
		repo = repoOf(img.RepoTags[0])
	}
	for _, d := range img.RepoDigests {
		if repo == "" {
			repo = repoOf(d)
		}
		if repoOf(d) != repo {
			return false
		}
	}
	return true
}

func hasRepo(refs []string, repo string) bool {
	for _, r := range refs {
		if repoOf(r) == repo {
			return true
		}
	}
	return false
}

func withoutRepo(refs []string, repo string) []string {
	out := refs[:0:0]
	for _, r := range refs {
		if repoOf(r) != repo {
			out = append(out, r)
		}
	}
	return out
}

// imageInUse reports whether a container uses id (a running one, unless
// stoppedToo).
func (e *Engine) imageInUse(id string, stoppedToo bool) bool {
	for _, c := range e.containers {
		if c.Image == id && (stoppedToo || c.State.Running) {
			return true
		}
	}
	return false
}

// ImportImage creates image ref from a tarball. Of the changes it applies
// ENTRYPOINT and CMD (JSON form) and USER.
func (e *Engine) ImportImage(ctx context.Context, rootfs io.Reader, ref string, changes []string) error {
	if _, err := io.Copy(io.Discard, rootfs); err != nil {
		return fmt.Errorf("import image %s: %w", ref, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "ImportImage"); err != nil {
		return err
	}
	if ref != "" && normalize(ref) == "" {
		return errdefs.InvalidArgument("invalid reference format: %s", ref)
	}
	cfg := &dockerspec.DockerOCIImageConfig{}
	for _, c := range changes {
		verb, arg, _ := strings.Cut(strings.TrimSpace(c), " ")
		var err error
		switch strings.ToUpper(verb) {
		case "ENTRYPOINT":
			err = json.Unmarshal([]byte(arg), &cfg.Entrypoint)
		case "CMD":
			err = json.Unmarshal([]byte(arg), &cfg.Cmd)
		case "USER":
			cfg.User = arg
		}
		if err != nil {
			return errdefs.InvalidArgument("import change %q: %v", c, err)
		}
	}
	img := &image.InspectResponse{ID: "sha256:" + newID(), Config: cfg, Os: "linux"}
	e.images[img.ID] = img
	if ref != "" {
		e.tag(img, ref)
	}
	return nil
}

// TagImage adds target to the tags of the image source names.
func (e *Engine) TagImage(ctx context.Context, source, target string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "TagImage"); err != nil {
		return err
	}
	img, _, err := e.resolveImageRef(source)
	if err != nil {
		return err
	}
	full, err := docker.NormalizeRef(target)
	if err != nil {
		return err
	}
	for _, other := range e.images {
		other.RepoTags = without(other.RepoTags, full)
	}
	img.RepoTags = append(img.RepoTags, full)
	return nil
}
