package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// PortForward returns the URL of a streaming port-forward session into a
// ready pod sandbox's network namespace.
func (s *Service) PortForward(ctx context.Context, req *runtimeapi.PortForwardRequest) (*runtimeapi.PortForwardResponse, error) {
	srv := s.streamServer()
	if srv == nil {
		return nil, errdefs.Wrap(errdefs.ErrUnavailable, errStreamingNotRunning)
	}
	if err := requireID("pod sandbox", req.PodSandboxId); err != nil {
		return nil, err
	}
	for _, p := range req.Port {
		if p <= 0 || p > 65535 {
			return nil, errdefs.InvalidArgument("port %d is out of range", p)
		}
	}
	in, err := s.inspectSandbox(ctx, req.PodSandboxId)
	if err != nil {
		return nil, err
	}
	if in.State == nil || !in.State.Running {
		return nil, errdefs.FailedPrecondition("pod sandbox %s is not ready", req.PodSandboxId)
	}
	req.PodSandboxId = in.ID
	return srv.GetPortForward(req)
}
