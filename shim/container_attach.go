package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/streaming"
)

// Attach returns the URL of a streaming attach session to a running
// container's main process.
func (s *Service) Attach(ctx context.Context, req *runtimeapi.AttachRequest) (*runtimeapi.AttachResponse, error) {
	srv := s.streamServer()
	if srv == nil {
		return nil, errdefs.Wrap(errdefs.ErrUnavailable, errStreamingNotRunning)
	}
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	in, err := s.inspectContainer(ctx, req.ContainerId)
	if err != nil {
		return nil, err
	}
	if _, err := streaming.RequireRunning(ctx, s.engine, in.ID); err != nil {
		return nil, err
	}
	if req.Tty != in.Config.Tty {
		log(ctx).WithField("container", in.ID).Debugf("attach asks tty=%v, container has tty=%v: using the container's", req.Tty, in.Config.Tty)
		req.Tty = in.Config.Tty
		if req.Tty {
			req.Stderr = false
		}
	}
	req.ContainerId = in.ID
	return srv.GetAttach(req)
}
