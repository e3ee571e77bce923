package shim

import (
	"context"
	"errors"
	"fmt"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/network"
	"github.com/dockercri/dockercri/store"
	"github.com/dockercri/dockercri/translate"
)

// RunPodSandbox creates and starts the pod's pause container and writes its
// checkpoint. Any failure rolls back every step done so far.
func (s *Service) RunPodSandbox(ctx context.Context, req *runtimeapi.RunPodSandboxRequest) (_ *runtimeapi.RunPodSandboxResponse, retErr error) {
	cfg := req.GetConfig()
	if cfg == nil {
		return nil, errdefs.InvalidArgument("config is required")
	}
	if err := translate.ValidateSandboxMetadata(cfg.Metadata); err != nil {
		return nil, err
	}
	if s.usesCNI(cfg) {
		if err := s.net.Ready(); err != nil {
			return nil, errdefs.Wrap(errdefs.ErrFailedPrecondition, fmt.Errorf("pod network is not ready: %w", err))
		}
	}
	runtimeName, err := s.runtimeFor(req.RuntimeHandler)
	if err != nil {
		return nil, err
	}
	seccomp, err := loadSeccompProfiles(translate.SeccompLocalhostPath(cfg.GetLinux().GetSecurityContext().GetSeccomp()))
	if err != nil {
		return nil, err
	}
	spec, err := translate.SandboxSpec(cfg, translate.SandboxOptions{
		Image:       s.cfg.SandboxImage,
		NetworkMode: s.cfg.NetworkMode,
		Host:        s.hostLimits(),
		Seccomp:     seccomp,
	})
	if err != nil {
		return nil, err
	}
	spec.HostConfig.Runtime = runtimeName
	if err := s.names.reserve(spec.Name); err != nil {
		return nil, err
	}
	defer s.names.release(spec.Name)

	id, err := s.createSandbox(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil {
			s.rollbackContainer(ctx, id)
		}
	}()
	if err := s.checkpoints.Write(id, newCheckpoint(cfg)); err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil && !errors.Is(retErr, network.ErrRollbackFailed) {
			// (A pod whose network could not be rolled back keeps its
			// checkpoint: it is listed NOTREADY and its stop retries DEL.)
			if err := s.checkpoints.Remove(id); err != nil {
				log(ctx).WithError(err).Warn("rollback: removing checkpoint")
			}
		}
	}()
	if err := s.startRecorded(ctx, id); err != nil {
		return nil, err
	}
	if s.usesCNI(cfg) {
		in, err := s.inspectCached(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := s.setUpNetwork(ctx, id, cfg, in.State.Pid); err != nil {
			return nil, err
		}
	}
	return &runtimeapi.RunPodSandboxResponse{PodSandboxId: id}, nil
}

func newCheckpoint(cfg *runtimeapi.PodSandboxConfig) *store.Checkpoint {
	cp := &store.Checkpoint{
		Name:      cfg.Metadata.Name,
		Namespace: cfg.Metadata.Namespace,
		Data: &store.CheckpointData{
			HostNetwork: cfg.GetLinux().GetSecurityContext().GetNamespaceOptions().GetNetwork() == runtimeapi.NamespaceMode_NODE,
		},
		Dockercri: &store.CheckpointExtra{UID: cfg.Metadata.Uid, Attempt: cfg.Metadata.Attempt, CreatedAt: time.Now().UnixNano()},
	}
	if ns := cfg.GetLinux().GetSecurityContext().GetNamespaceOptions(); ns != nil {
		cp.Dockercri.NetworkNS, cp.Dockercri.PidNS, cp.Dockercri.IpcNS = ns.Network.String(), ns.Pid.String(), ns.Ipc.String()
	}
	for _, pm := range cfg.PortMappings {
		proto := pm.Protocol.String()
		cport, hport := pm.ContainerPort, pm.HostPort
		cp.Data.PortMappings = append(cp.Data.PortMappings, &store.CheckpointPort{
			Protocol: &proto, ContainerPort: &cport, HostPort: &hport, HostIP: pm.HostIp,
		})
	}
	return cp
}

// rollbackContainer force-removes a container made by a failed request,
// under its own short context.
func (s *Service) rollbackContainer(ctx context.Context, id string) {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := s.forceRemove(cctx, id); err != nil {
		log(cctx).WithError(err).WithField("container", id).Warn("rollback: removing container")
	}
}

// createSandbox creates the pause container. The sandbox image is made
// sure of once; when it has gone since (Docker answers the create with
// NotFound), it is made again and the create retried.
func (s *Service) createSandbox(ctx context.Context, spec *translate.CreateSpec) (string, error) {
	if !s.sandboxImageReady() {
		if err := s.ensureSandboxImage(ctx); err != nil {
			return "", err
		}
	}
	id, err := s.create(ctx, spec)
	if docker.IsNotFound(err) {
		if err := s.ensureSandboxImage(ctx); err != nil {
			return "", err
		}
		id, err = s.create(ctx, spec)
	}
	return id, err
}

// create asks Docker for the container of spec and logs what Docker and
// translation had to leave out.
func (s *Service) create(ctx context.Context, spec *translate.CreateSpec) (string, error) {
	id, warnings, err := s.createRecorded(ctx, spec)
	if err != nil {
		return "", err
	}
	logWarnings(ctx, append(spec.Warnings, warnings...))
	return id, nil
}

func logWarnings(ctx context.Context, warnings []string) {
	for _, w := range warnings {
		log(ctx).Warn(w)
	}
}

// runtimeFor maps a CRI runtime handler to a Docker runtime name.
func (s *Service) runtimeFor(handler string) (string, error) {
	if handler == "" {
		return "", nil
	}
	for _, n := range s.runtimeNames() {
		if n == handler {
			return n, nil
		}
	}
	return "", errdefs.InvalidArgument("runtime handler %q is not a Docker runtime (have %v)", handler, s.runtimeNames())
}
