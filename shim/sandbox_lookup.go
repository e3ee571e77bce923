package shim

import (
	"context"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/translate"
)

// inspectSandbox returns a sandbox container by (possibly truncated) id;
// anything that is not one of our sandboxes is NotFound.
func (s *Service) inspectSandbox(ctx context.Context, id string) (*docker.ContainerInfo, error) {
	in, err := s.engine.InspectContainer(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Config == nil || in.Config.Labels[translate.LabelType] != translate.TypeSandbox {
		return nil, errdefs.NotFound("%s is not a pod sandbox", id)
	}
	return &in, nil
}

// inspectContainer returns a CRI container by (possibly truncated) id.
func (s *Service) inspectContainer(ctx context.Context, id string) (*docker.ContainerInfo, error) {
	in, err := s.engine.InspectContainer(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Config == nil || in.Config.Labels[translate.LabelType] != translate.TypeContainer {
		return nil, errdefs.NotFound("%s is not a CRI container", id)
	}
	return &in, nil
}

// sandboxContainers lists the containers that belong to a sandbox, from
// the index when it is synced. The index holds every container dockercri
// created by the time CreateContainer checks its sandbox still exists
// (and rolls back when not), so a sweep of a removed sandbox cannot miss
// one.
func (s *Service) sandboxContainers(ctx context.Context, sandboxID string) ([]docker.ContainerSummary, error) {
	if list, ok := s.index.withLabel(translate.LabelSandboxID, sandboxID); ok {
		return list, nil
	}
	return s.engine.ListContainers(ctx, translate.LabelSandboxID+"="+sandboxID)
}

// dockerContainer is a container's inspect data.
type dockerContainer = docker.ContainerInfo
