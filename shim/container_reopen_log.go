package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/translate"
)

// ReopenContainerLog reopens a running container's CRI log file: kubelet
// renames the file away to rotate it, then asks for a new one.
func (s *Service) ReopenContainerLog(ctx context.Context, req *runtimeapi.ReopenContainerLogRequest) (*runtimeapi.ReopenContainerLogResponse, error) {
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	in, err := s.inspectContainer(ctx, req.ContainerId)
	if err != nil {
		return nil, err
	}
	if in.State == nil || !in.State.Running {
		return nil, errdefs.FailedPrecondition("container %s is not running", in.ID)
	}
	if in.Config.Labels[translate.LabelLogPath] == "" || s.logs == nil {
		return nil, errdefs.FailedPrecondition("container %s has no CRI log path", in.ID)
	}
	if err := s.logs.Reopen(in.ID); err != nil {
		return nil, err
	}
	return &runtimeapi.ReopenContainerLogResponse{}, nil
}
