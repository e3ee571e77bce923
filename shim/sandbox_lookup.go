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
	in, err := s.inspectCached(ctx, id)
	if err != nil {
		return nil, err
	}
	return checkType(in, translate.TypeSandbox, id)
}

// inspectContainer returns a CRI container by (possibly truncated) id.
func (s *Service) inspectContainer(ctx context.Context, id string) (*docker.ContainerInfo, error) {
	in, err := s.inspectCached(ctx, id)
	if err != nil {
		return nil, err
	}
	return checkType(in, translate.TypeContainer, id)
}

// lookupSandbox is inspectSandbox for callers that read only what a
// container keeps for its whole life (id, name, Config, HostConfig, image,
// mounts): it answers from the inspect cache even after a start or an
// exit, and State and NetworkSettings are nil then.
func (s *Service) lookupSandbox(ctx context.Context, id string) (*docker.ContainerInfo, error) {
	if in, ok := s.containers.Static(id); ok {
		return checkType(in, translate.TypeSandbox, id)
	}
	return s.inspectSandbox(ctx, id)
}

// lookupContainer is lookupSandbox for CRI containers.
func (s *Service) lookupContainer(ctx context.Context, id string) (*docker.ContainerInfo, error) {
	if in, ok := s.containers.Static(id); ok {
		return checkType(in, translate.TypeContainer, id)
	}
	return s.inspectContainer(ctx, id)
}

func checkType(in docker.ContainerInfo, typ, id string) (*docker.ContainerInfo, error) {
	if in.Config == nil || in.Config.Labels[translate.LabelType] != typ {
		if typ == translate.TypeSandbox {
			return nil, errdefs.NotFound("%s is not a pod sandbox", id)
		}
		return nil, errdefs.NotFound("%s is not a CRI container", id)
	}
	return &in, nil
}

// sandboxPid is the pid of a running sandbox (whose network namespace a
// CNI DEL enters), 0 when it is not running or dockercri does not run CNI.
// in may come from a lookup (State nil): the store's state then says
// whether it can be running, and only then is Docker asked.
func (s *Service) sandboxPid(ctx context.Context, in *dockerContainer) (int, error) {
	if in == nil || s.net == nil {
		return 0, nil
	}
	if in.State == nil {
		if st, ok := s.containers.StateOf(in.ID); ok && !activeState(st) {
			return 0, nil
		}
		fresh, err := s.inspectCached(ctx, in.ID)
		if docker.IsNotFound(err) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		in = &fresh
	}
	if in.State != nil && in.State.Running {
		return in.State.Pid, nil
	}
	return 0, nil
}

// activeState reports whether a Docker state (a summary's) has a process.
func activeState(st string) bool {
	return st == "running" || st == "paused" || st == "restarting"
}

// sandboxContainers lists the containers that belong to a sandbox, from
// the store when it is synced. The store holds every container dockercri
// created by the time CreateContainer checks its sandbox still exists
// (and rolls back when not), so a sweep of a removed sandbox cannot miss
// one.
func (s *Service) sandboxContainers(ctx context.Context, sandboxID string) ([]docker.ContainerSummary, error) {
	if list, ok := s.containers.WithLabel(translate.LabelSandboxID, sandboxID); ok {
		return list, nil
	}
	return s.engine.ListContainers(ctx, translate.LabelSandboxID+"="+sandboxID)
}

// dockerContainer is a container's inspect data.
type dockerContainer = docker.ContainerInfo
