package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
)

// RemoveContainer force-removes a container and its log link. Removing a
// container that is gone succeeds.
func (s *Service) RemoveContainer(ctx context.Context, req *runtimeapi.RemoveContainerRequest) (*runtimeapi.RemoveContainerResponse, error) {
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	if err := s.removeContainer(ctx, req.ContainerId); err != nil {
		return nil, err
	}
	return &runtimeapi.RemoveContainerResponse{}, nil
}

func (s *Service) removeContainer(ctx context.Context, id string) error {
	in, err := s.lookupContainer(ctx, id)
	if docker.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if s.logs != nil {
		s.logs.Forget(in.ID)
	}
	s.stats.forget(in.ID)
	if err := s.engine.RemoveContainer(ctx, in.ID); err != nil && !docker.IsNotFound(err) {
		return err
	}
	return nil
}
