package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/translate"
)

// ListImages lists Docker's images; the sandbox image is marked pinned.
func (s *Service) ListImages(ctx context.Context, req *runtimeapi.ListImagesRequest) (*runtimeapi.ListImagesResponse, error) {
	out, err := s.listImages(ctx, req.GetFilter())
	if err != nil {
		return nil, err
	}
	return &runtimeapi.ListImagesResponse{Images: out}, nil
}

// listImages is ListImages for dockercri's own callers.
func (s *Service) listImages(ctx context.Context, f *runtimeapi.ImageFilter) ([]*runtimeapi.Image, error) {
	list, err := s.engine.ListImages(ctx)
	if err != nil {
		return nil, err
	}
	want := f.GetImage().GetImage()
	out := make([]*runtimeapi.Image, 0, len(list))
	for i := range list {
		img := translate.ImageFromSummary(&list[i], s.isPinned(list[i].ID))
		if want != "" && !imageMatches(img, want) {
			continue
		}
		out = append(out, img)
	}
	return out, nil
}

func imageMatches(img *runtimeapi.Image, ref string) bool {
	if img.Id == ref {
		return true
	}
	for _, r := range append(append([]string{}, img.RepoTags...), img.RepoDigests...) {
		if r == ref {
			return true
		}
	}
	return false
}
