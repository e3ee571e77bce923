package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/streaming"
)

// Exec returns the URL of a streaming exec session in a running container.
func (s *Service) Exec(ctx context.Context, req *runtimeapi.ExecRequest) (*runtimeapi.ExecResponse, error) {
	srv := s.streamServer()
	if srv == nil {
		return nil, errdefs.Wrap(errdefs.ErrUnavailable, errStreamingNotRunning)
	}
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	if len(req.Cmd) == 0 {
		return nil, errdefs.InvalidArgument("cmd is required")
	}
	in, err := s.inspectContainer(ctx, req.ContainerId)
	if err != nil {
		return nil, err
	}
	if _, err := streaming.RequireRunning(ctx, s.engine, in.ID); err != nil {
		return nil, err
	}
	req.ContainerId = in.ID
	return srv.GetExec(req)
}
