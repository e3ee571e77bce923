package shim

import (
	"context"
	"encoding/json"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/translate"
)

// ImageStatus reports an image, or no image (and no error) when it is
// absent, as api.proto requires.
func (s *Service) ImageStatus(ctx context.Context, req *runtimeapi.ImageStatusRequest) (*runtimeapi.ImageStatusResponse, error) {
	ref := req.GetImage().GetImage()
	if ref == "" {
		return nil, errdefs.InvalidArgument("image is required")
	}
	in, err := s.engine.InspectImage(ctx, ref)
	if docker.IsNotFound(err) {
		return &runtimeapi.ImageStatusResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	resp := &runtimeapi.ImageStatusResponse{Image: translate.ImageFromInspect(&in, s.isPinned(in.ID))}
	if req.Verbose {
		info, _ := json.Marshal(map[string]any{
			"created":      in.Created,
			"architecture": in.Architecture,
			"os":           in.Os,
			"config":       in.Config,
			"rootfs":       in.RootFS,
		})
		resp.Info = map[string]string{"info": string(info)}
	}
	return resp, nil
}
