package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/store"
)

// RemovePodSandbox removes the sandbox's containers, the sandbox container
// and its checkpoint. Removing what is already gone succeeds.
func (s *Service) RemovePodSandbox(ctx context.Context, req *runtimeapi.RemovePodSandboxRequest) (*runtimeapi.RemovePodSandboxResponse, error) {
	if err := requireID("pod sandbox", req.PodSandboxId); err != nil {
		return nil, err
	}
	id := req.PodSandboxId
	in, err := s.lookupSandbox(ctx, id)
	switch {
	case docker.IsNotFound(err):
		// The container is gone; a full id may still have a checkpoint.
	case err != nil:
		return nil, err
	default:
		id = in.ID
	}
	// Alone on the pod: no container of it is created or removed meanwhile,
	// so one sweep of its containers finds them all.
	unlock, err := s.pods.exclusive(ctx, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if store.CheckpointID.MatchString(id) {
		pid, err := s.sandboxPid(ctx, in)
		if err != nil {
			return nil, err
		}
		if err := s.tearDownNetwork(ctx, id, pid); err != nil {
			return nil, err
		}
	}
	list, err := s.sandboxContainers(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if err := s.removeContainer(ctx, list[i].ID); err != nil {
			return nil, err
		}
	}
	if in != nil {
		if err := s.forceRemove(ctx, in.ID); err != nil {
			return nil, err
		}
	}
	if store.CheckpointID.MatchString(id) {
		if err := s.checkpoints.Remove(id); err != nil {
			return nil, err
		}
	}
	return &runtimeapi.RemovePodSandboxResponse{}, nil
}
