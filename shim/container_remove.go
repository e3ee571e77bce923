package shim

import (
	"context"
	"errors"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/translate"
)

// removeAttempts bounds how often a force remove that lost a race with the
// container's own exit is tried again.
const removeAttempts = 3

// RemoveContainer force-removes a container and its log link. Removing a
// container that is gone succeeds.
func (s *Service) RemoveContainer(ctx context.Context, req *runtimeapi.RemoveContainerRequest) (*runtimeapi.RemoveContainerResponse, error) {
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	in, err := s.lookupContainer(ctx, req.ContainerId)
	if docker.IsNotFound(err) {
		return &runtimeapi.RemoveContainerResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	// Not while its pod is swept by StopPodSandbox or RemovePodSandbox.
	unlock, err := s.pods.shared(ctx, in.Config.Labels[translate.LabelSandboxID])
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := s.removeContainer(ctx, in.ID); err != nil {
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
	return s.forceRemove(ctx, in.ID)
}

// forceRemove force-removes a Docker container; one that is gone counts as
// removed. Docker 20.10 fails a force remove that finds the container
// running but whose kill then finds it exited ("Could not kill running
// container ... is not running", a 500): the container died between the
// two checks. A remove that meets another one of the same container
// (kubelet's and RemovePodSandbox's sweep) gets a 409 "removal ... already
// in progress". Such failures are transient, so when Docker itself says the
// container is no longer running the remove is tried again (and succeeds,
// or finds it gone); a container that still runs keeps Docker's error.
func (s *Service) forceRemove(ctx context.Context, id string) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.removeRecorded(ctx, id)
		if err == nil || docker.IsNotFound(err) {
			return nil
		}
		if attempt == removeAttempts || !removeMayRetry(err) {
			return err
		}
		fresh, ierr := s.inspectCached(ctx, id)
		if docker.IsNotFound(ierr) {
			return nil
		}
		if ierr != nil || fresh.State == nil || fresh.State.Running {
			return err
		}
		log(ctx).WithError(err).WithField("container", id).Debug("force remove raced the container's exit; trying again")
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * 20 * time.Millisecond):
		}
	}
}

// removeMayRetry reports whether a failed remove can be a lost race rather
// than an unreachable Docker or a request that ran out of time.
func removeMayRetry(err error) bool {
	return !errors.Is(err, errdefs.ErrUnavailable) && !errors.Is(err, errdefs.ErrDeadlineExceeded) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
