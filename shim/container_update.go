package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/translate"
)

// UpdateContainerResources applies new CPU and memory limits.
func (s *Service) UpdateContainerResources(ctx context.Context, req *runtimeapi.UpdateContainerResourcesRequest) (*runtimeapi.UpdateContainerResourcesResponse, error) {
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	in, err := s.inspectContainer(ctx, req.ContainerId)
	if err != nil {
		return nil, err
	}
	if req.Linux == nil {
		return &runtimeapi.UpdateContainerResourcesResponse{}, nil
	}
	res, warnings, err := translate.Resources(req.Linux, s.hostLimits())
	if err != nil {
		return nil, err
	}
	logWarnings(ctx, warnings)
	if in.HostConfig != nil {
		translate.KeepSwapHeadroom(&res, in.HostConfig.Resources)
	}
	if err := s.updateRecorded(ctx, in.ID, res); err != nil {
		return nil, err
	}
	s.applyCgroupFiles(ctx, in, translate.ParseCgroupFiles(translate.CgroupFiles(req.Linux)))
	return &runtimeapi.UpdateContainerResourcesResponse{}, nil
}
