package shim

import (
	"context"
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/mount"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/internal/hostprobe"
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
	if err := s.checkApparmorLoaded(cfg.GetLinux().GetSecurityContext()); err != nil {
		return nil, err
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
	if err := s.checkImageSubpaths(ctx, id, spec); err != nil {
		return nil, err
	}
	if err := prepareLogFile(spec.Config.Labels[translate.LabelLogPath]); err != nil {
		return nil, err
	}
	return &runtimeapi.CreateContainerResponse{ContainerId: id}, nil
}

// checkImageSubpaths fails CreateContainer when an image volume's
// image_sub_path does not exist in its image, as kubelet expects (the pod
// waits in CreateContainerError, as on containerd). Docker checks the sub
// path only when it mounts the container's file system, at start; a stat
// of the mount's target makes it mount them now. One stat covers every
// mount of the container.
func (s *Service) checkImageSubpaths(ctx context.Context, id string, spec *translate.CreateSpec) error {
	var target string
	var subs []string
	for _, m := range spec.HostConfig.Mounts {
		if m.Type == mount.TypeImage && m.ImageOptions != nil && m.ImageOptions.Subpath != "" {
			target = m.Target
			subs = append(subs, fmt.Sprintf("%s from %s:%s", m.Target, m.Source, m.ImageOptions.Subpath))
		}
	}
	if len(subs) == 0 {
		return nil
	}
	// Docker answers the stat (a HEAD) without its reason.
	err := s.engine.StatContainerPath(ctx, id, target)
	if err == nil || ctx.Err() != nil || errdefs.Class(err) == errdefs.ErrUnavailable {
		return err
	}
	return errdefs.InvalidArgument("image volumes of container %s cannot be mounted; is each image_sub_path in its image (%s)? %w",
		spec.Name, strings.Join(subs, ", "), err)
}

// checkApparmorLoaded refuses a container whose Localhost AppArmor profile
// the kernel has not loaded, as containerd does: runc would fail only at
// start. Where the kernel has no AppArmor there is nothing to check.
func (s *Service) checkApparmorLoaded(sc *runtimeapi.LinuxContainerSecurityContext) error {
	p, err := translate.ContainerApparmor(sc)
	if err != nil {
		return err
	}
	name := translate.ApparmorLocalhostName(p)
	if name == "" {
		return nil
	}
	loaded, enabled, err := hostprobe.AppArmorProfileLoaded(s.cfg.SecurityFS, name)
	if err != nil {
		return errdefs.FailedPrecondition("apparmor profile %q cannot be checked: %w", name, err)
	}
	if !enabled || loaded {
		return nil
	}
	return errdefs.FailedPrecondition("apparmor profile %q is not loaded on this node (apparmor_parser loads it)", name)
}
