package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// StartContainer starts a created container.
func (s *Service) StartContainer(ctx context.Context, req *runtimeapi.StartContainerRequest) (*runtimeapi.StartContainerResponse, error) {
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	in, err := s.inspectContainer(ctx, req.ContainerId)
	if err != nil {
		return nil, err
	}
	if err := s.engine.StartContainer(ctx, in.ID); err != nil {
		return nil, err
	}
	s.followLogs(ctx, in)
	return &runtimeapi.StartContainerResponse{}, nil
}
