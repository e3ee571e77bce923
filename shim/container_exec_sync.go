package shim

import (
	"context"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/streaming"
)

// ExecSync runs a command in a running container and returns its output
// and exit code. A timeout kills the command and returns DeadlineExceeded.
func (s *Service) ExecSync(ctx context.Context, req *runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	if req.Timeout < 0 {
		return nil, errdefs.InvalidArgument("timeout %d must not be negative", req.Timeout)
	}
	in, err := s.inspectContainer(ctx, req.ContainerId)
	if err != nil {
		return nil, err
	}
	res, err := streaming.ExecSync(ctx, s.engine, in.ID, req.Cmd, time.Duration(req.Timeout)*time.Second)
	if err != nil {
		return nil, err
	}
	return &runtimeapi.ExecSyncResponse{Stdout: res.Stdout, Stderr: res.Stderr, ExitCode: int32(res.ExitCode)}, nil
}
