package translate

import (
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/image"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func cleanRefs(refs []string) []string {
	var out []string
	for _, r := range refs {
		if r == "<none>:<none>" || r == "<none>@<none>" {
			continue
		}
		out = append(out, r)
	}
	return out
}

// ImageFromSummary builds a ListImages entry.
func ImageFromSummary(s *image.Summary, pinned bool) *runtimeapi.Image {
	return &runtimeapi.Image{
		Id:          s.ID,
		RepoTags:    cleanRefs(s.RepoTags),
		RepoDigests: cleanRefs(s.RepoDigests),
		Size:        uint64(max(s.Size, 0)),
		Pinned:      pinned,
	}
}

// ImageFromInspect builds an ImageStatus entry, with the image's user.
func ImageFromInspect(in *image.InspectResponse, pinned bool) *runtimeapi.Image {
	img := &runtimeapi.Image{
		Id:          in.ID,
		RepoTags:    cleanRefs(in.RepoTags),
		RepoDigests: cleanRefs(in.RepoDigests),
		Size:        uint64(max(in.Size, 0)),
		Pinned:      pinned,
		Spec:        &runtimeapi.ImageSpec{Image: in.ID},
	}
	if in.Config != nil {
		uid, name := ImageUser(in.Config.User)
		img.Uid, img.Username = uid, name
	}
	return img
}

// ImageUser splits an image's USER ("name", "uid", "uid:gid", "name:group")
// into CRI's uid or username; a numeric user is reported as uid.
func ImageUser(user string) (*runtimeapi.Int64Value, string) {
	if user == "" {
		return nil, ""
	}
	u, _, _ := strings.Cut(user, ":")
	if n, err := strconv.ParseInt(u, 10, 64); err == nil {
		return &runtimeapi.Int64Value{Value: n}, ""
	}
	return nil, u
}

// ImageInspectInfo extracts what a container status needs from an image.
func ImageInspectInfo(in *image.InspectResponse) ImageInfo {
	return ImageInfo{ID: in.ID, RepoTags: cleanRefs(in.RepoTags), RepoDigests: cleanRefs(in.RepoDigests)}
}
