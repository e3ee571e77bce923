package shim

import (
	"errors"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// StreamServer hands out single-use exec/attach/port-forward URLs.
type StreamServer interface {
	GetExec(*runtimeapi.ExecRequest) (*runtimeapi.ExecResponse, error)
	GetAttach(*runtimeapi.AttachRequest) (*runtimeapi.AttachResponse, error)
	GetPortForward(*runtimeapi.PortForwardRequest) (*runtimeapi.PortForwardResponse, error)
}

// errStreamingNotRunning: Exec, Attach and PortForward need the streaming
// server. It is Unavailable, not Unimplemented: kubelet falls back on
// Unimplemented as if the runtime had no such call.
var errStreamingNotRunning = errors.New("streaming server is not running")

func (s *Service) streamServer() StreamServer { return s.streams }
