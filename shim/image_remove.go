package shim

import (
	"context"
	"errors"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

// RemoveImage removes an image. By id it removes the image with all its
// tags and digests; by tag or digest reference it removes that reference
// (and the image with its last reference). An absent image is success.
func (s *Service) RemoveImage(ctx context.Context, req *runtimeapi.RemoveImageRequest) (*runtimeapi.RemoveImageResponse, error) {
	ref := req.GetImage().GetImage()
	if ref == "" {
		return nil, errdefs.InvalidArgument("image is required")
	}
	in, err := s.engine.InspectImage(ctx, ref)
	if docker.IsNotFound(err) {
		return &runtimeapi.RemoveImageResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	targets := []string{ref}
	if isImageID(ref, in.ID) {
		targets = append(append(append([]string{}, in.RepoTags...), in.RepoDigests...), in.ID)
	}
	for _, t := range targets {
		err := s.engine.RemoveImage(ctx, t, false)
		if err == nil || docker.IsNotFound(err) {
			continue
		}
		// A concurrent RemoveImage may have taken the image (or this
		// reference) away in between: what was asked for is done.
		if _, ierr := s.engine.InspectImage(ctx, in.ID); docker.IsNotFound(ierr) {
			return &runtimeapi.RemoveImageResponse{}, nil
		}
		if errors.Is(err, errdefs.ErrAlreadyExists) { // Docker's 409: in use
			return nil, errdefs.Wrap(errdefs.ErrFailedPrecondition, err)
		}
		return nil, err
	}
	return &runtimeapi.RemoveImageResponse{}, nil
}

// isImageID reports whether ref names the image by (a prefix of) its id.
func isImageID(ref, id string) bool {
	if ref == id {
		return true
	}
	hex := strings.TrimPrefix(id, "sha256:")
	short := strings.TrimPrefix(ref, "sha256:")
	return len(short) >= 12 && strings.HasPrefix(hex, short)
}
