package shim

import (
	"context"
	"fmt"
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
	in, err := s.lookupContainer(ctx, req.ContainerId)
	if docker.IsNotFound(err) {
		return &runtimeapi.StopContainerResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	err = s.stopRecorded(ctx, in.ID, time.Duration(req.Timeout)*time.Second)
	if err != nil && !docker.IsNotFound(err) {
		return nil, s.stopError(ctx, in.ID, err)
	}
	return &runtimeapi.StopContainerResponse{}, nil
}

// stopError settles a failed stop: a container that stopped anyway (or is
// gone) is stopped; one Docker could not kill in time (an overloaded
// engine: "did not receive an exit event") is for the caller to retry.
func (s *Service) stopError(ctx context.Context, id string, err error) error {
	in, ierr := s.inspectCached(ctx, id)
	if docker.IsNotFound(ierr) || (ierr == nil && (in.State == nil || !in.State.Running)) {
		return nil
	}
	if errdefs.Class(err) == nil {
		return errdefs.Wrap(errdefs.ErrUnavailable, fmt.Errorf("docker could not stop the container yet, retry: %w", err))
	}
	return err
}
