package shim

import (
	"context"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

// StopContainer sends the stop signal, waits the grace period, then kills.
// Stopping a container that is gone or already stopped succeeds.
func (s *Service) StopContainer(ctx context.Context, req *runtimeapi.StopContainerRequest) (*runtimeapi.StopContainerResponse, error) {
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	if req.Timeout < 0 {
		return nil, errdefs.InvalidArgument("timeout %d must not be negative", req.Timeout)
	}
	in, err := s.inspectContainer(ctx, req.ContainerId)
	if docker.IsNotFound(err) {
		return &runtimeapi.StopContainerResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	err = s.engine.StopContainer(ctx, in.ID, time.Duration(req.Timeout)*time.Second)
	if err != nil && !docker.IsNotFound(err) {
		return nil, err
	}
	return &runtimeapi.StopContainerResponse{}, nil
}
