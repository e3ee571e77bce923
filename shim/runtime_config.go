package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// RuntimeConfig reports Docker's cgroup driver so kubelet can match it.
func (s *Service) RuntimeConfig(ctx context.Context, _ *runtimeapi.RuntimeConfigRequest) (*runtimeapi.RuntimeConfigResponse, error) {
	if err := s.refreshEngineFacts(ctx); err != nil {
		return nil, err
	}
	driver := runtimeapi.CgroupDriver_CGROUPFS
	if s.hostLimits().CgroupDriver == "systemd" {
		driver = runtimeapi.CgroupDriver_SYSTEMD
	}
	return &runtimeapi.RuntimeConfigResponse{Linux: &runtimeapi.LinuxRuntimeConfiguration{CgroupDriver: driver}}, nil
}

// UpdateRuntimeConfig records the node's pod CIDR (used by network plugins
// that take it).
func (s *Service) UpdateRuntimeConfig(ctx context.Context, req *runtimeapi.UpdateRuntimeConfigRequest) (*runtimeapi.UpdateRuntimeConfigResponse, error) {
	cidr := req.GetRuntimeConfig().GetNetworkConfig().GetPodCidr()
	s.mu.Lock()
	changed := cidr != s.podCIDR
	s.podCIDR = cidr
	s.mu.Unlock()
	if changed {
		log(ctx).WithField("podCIDR", cidr).Info("pod CIDR updated")
	}
	return &runtimeapi.UpdateRuntimeConfigResponse{}, nil
}
