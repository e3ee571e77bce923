package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const (
	// kubeRuntimeAPIVersion is the kubelet runtime API version every CRI
	// runtime reports in VersionResponse.version.
	kubeRuntimeAPIVersion = "0.1.0"
	runtimeName           = "docker"
	runtimeAPIVersion     = "v1"
)

// Version reports the CRI version and Docker Engine's version.
func (s *Service) Version(ctx context.Context, _ *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	v, err := s.engine.Version(ctx)
	if err != nil {
		return nil, err
	}
	return &runtimeapi.VersionResponse{
		Version:           kubeRuntimeAPIVersion,
		RuntimeName:       runtimeName,
		RuntimeVersion:    v.Version,
		RuntimeApiVersion: runtimeAPIVersion,
	}, nil
}
