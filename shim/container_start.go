package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
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
		if errdefs.Class(err) == errdefs.ErrAlreadyExists {
			// Docker's 409 on start is a state conflict, such as a sandbox
			// that is no longer running: not a name that exists.
			return nil, errdefs.Wrap(errdefs.ErrFailedPrecondition, err)
		}
		return nil, err
	}
	s.followLogs(ctx, in)
	return &runtimeapi.StartContainerResponse{}, nil
}
