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
	stdout, stderr := fitOutput(res.Stdout, res.Stderr, execSyncBudget)
	return &runtimeapi.ExecSyncResponse{Stdout: stdout, Stderr: stderr, ExitCode: int32(res.ExitCode)}, nil
}

// execSyncBudget is how much output one ExecSync response may carry:
// kubelet accepts CRI messages of at most 16 MiB, and the response needs a
// few bytes of framing besides the output.
const execSyncBudget = maxMsgSize - 4<<10

// fitOutput trims stdout and stderr (keeping their beginnings) so that
// together they fit budget, sharing it fairly when both are large.
func fitOutput(stdout, stderr []byte, budget int) ([]byte, []byte) {
	if len(stdout)+len(stderr) <= budget {
		return stdout, stderr
	}
	half := budget / 2
	switch {
	case len(stderr) <= half:
		return stdout[:budget-len(stderr)], stderr
	case len(stdout) <= half:
		return stdout, stderr[:budget-len(stdout)]
	}
	return stdout[:half], stderr[:budget-half]
}
