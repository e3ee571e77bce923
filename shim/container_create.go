package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/translate"
)

// CreateContainer creates a container in a sandbox. It joins the sandbox's
// namespaces and cgroup parent; its log path is linked to Docker's log.
func (s *Service) CreateContainer(ctx context.Context, req *runtimeapi.CreateContainerRequest) (_ *runtimeapi.CreateContainerResponse, retErr error) {
	if err := requireID("pod sandbox", req.PodSandboxId); err != nil {
		return nil, err
	}
	cfg, sandboxCfg := req.GetConfig(), req.GetSandboxConfig()
	if cfg == nil || sandboxCfg == nil {
		return nil, errdefs.InvalidArgument("config and sandbox_config are required")
	}
	sandbox, err := s.lookupSandbox(ctx, req.PodSandboxId)
	if err != nil {
		return nil, err
	}
	// No StopPodSandbox or RemovePodSandbox of this pod runs until the
	// container is made (or rolled back): its sweep cannot miss it.
	unlock, err := s.pods.shared(ctx, sandbox.ID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Under the lock the pod cannot go; it may have gone before.
	if _, err := s.lookupSandbox(ctx, sandbox.ID); err != nil {
		return nil, err
	}
	seccomp, err := loadSeccompProfiles(translate.SeccompLocalhostPath(cfg.GetLinux().GetSecurityContext().GetSeccomp()))
	if err != nil {
		return nil, err
	}
	spec, err := translate.ContainerSpec(cfg, sandboxCfg, translate.ContainerOptions{
		SandboxID: sandbox.ID,
		Runtime:   sandbox.HostConfig.Runtime,
		DockerLog: s.cfg.DockerLog,
		Host:      s.hostLimits(),
		Seccomp:   seccomp,
	})
	if err != nil {
		return nil, err
	}
	if err := s.names.reserve(spec.Name); err != nil {
		return nil, err
	}
	defer s.names.release(spec.Name)

	id, err := s.create(ctx, spec)
	if err != nil {
		if _, serr := s.lookupSandbox(ctx, sandbox.ID); docker.IsNotFound(serr) {
			// The sandbox went away meanwhile; Docker says only that the
			// container to join is missing.
			return nil, errdefs.NotFound("pod sandbox %s was removed: %w", sandbox.ID, err)
		}
		return nil, err
	}
	defer func() {
		if retErr != nil {
			s.rollbackContainer(ctx, id)
		}
	}()
	if err := prepareLogFile(spec.Config.Labels[translate.LabelLogPath]); err != nil {
		return nil, err
	}
	return &runtimeapi.CreateContainerResponse{ContainerId: id}, nil
}
