package shim

import (
	"context"
	"sync"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/store"
)

// Containers still running when their sandbox is stopped are stopped
// forcibly, as containerd does: kubelet stops them first with their own
// grace periods, so whatever is left is meant to go now. The pause
// container exits on SIGTERM at once; it gets a grace period anyway.
const (
	leftoverStopGrace = 0
	sandboxStopGrace  = 10 * time.Second
)

// StopPodSandbox stops every container of the sandbox, then the sandbox
// itself. A sandbox that is already gone is stopped: success.
func (s *Service) StopPodSandbox(ctx context.Context, req *runtimeapi.StopPodSandboxRequest) (*runtimeapi.StopPodSandboxResponse, error) {
	if err := requireID("pod sandbox", req.PodSandboxId); err != nil {
		return nil, err
	}
	in, err := s.lookupSandbox(ctx, req.PodSandboxId)
	if docker.IsNotFound(err) {
		// The container is gone; its network may still hold an IP.
		if store.CheckpointID.MatchString(req.PodSandboxId) {
			if err := s.tearDownNetwork(ctx, req.PodSandboxId, 0); err != nil {
				return nil, err
			}
		}
		return &runtimeapi.StopPodSandboxResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	unlock, err := s.pods.exclusive(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := s.stopSandboxContainers(ctx, in.ID); err != nil {
		return nil, err
	}
	pid, err := s.sandboxPid(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := s.tearDownNetwork(ctx, in.ID, pid); err != nil {
		return nil, err
	}
	if err := s.stopRecorded(ctx, in.ID, sandboxStopGrace); err != nil && !docker.IsNotFound(err) {
		if err := s.stopError(ctx, in.ID, err); err != nil {
			return nil, err
		}
	}
	return &runtimeapi.StopPodSandboxResponse{}, nil
}

// stopSandboxContainers stops the sandbox's running containers in parallel.
func (s *Service) stopSandboxContainers(ctx context.Context, sandboxID string) error {
	list, err := s.sandboxContainers(ctx, sandboxID)
	if err != nil {
		return err
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for i := range list {
		if list[i].State != "running" && list[i].State != "paused" && list[i].State != "restarting" {
			continue
		}
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			err := s.stopRecorded(ctx, id, leftoverStopGrace)
			if err != nil && !docker.IsNotFound(err) {
				err = s.stopError(ctx, id, err)
			} else {
				err = nil
			}
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(list[i].ID)
	}
	wg.Wait()
	return first
}
