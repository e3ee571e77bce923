package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/stats"
	"github.com/dockercri/dockercri/store"
	"github.com/dockercri/dockercri/translate"
)

// StartContainer starts a created container.
func (s *Service) StartContainer(ctx context.Context, req *runtimeapi.StartContainerRequest) (*runtimeapi.StartContainerResponse, error) {
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	in, err := s.lookupContainer(ctx, req.ContainerId)
	if err != nil {
		return nil, err
	}
	// A start and its pod's stop or removal do not overlap: runc joining
	// the namespaces of a pause container that is exiting fails in ways
	// Docker reports as anything (a 400 on Docker 29). After the stop, the
	// start finds the sandbox not running (startError: FailedPrecondition).
	unlock, err := s.pods.shared(ctx, in.Config.Labels[translate.LabelSandboxID])
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := s.startRecorded(ctx, in.ID); err != nil {
		return nil, s.startError(ctx, in, err)
	}
	s.followLogs(ctx, in)
	if s.stats.v2 {
		// The watch needs the started process's cgroup.
		if started, err := s.inspectCached(ctx, in.ID); err == nil {
			s.applyCgroupFiles(ctx, &started, translate.ParseCgroupFiles(in.Config.Labels[translate.LabelCgroupFiles]))
			s.watchOOMKills(ctx, &started)
		}
	}
	return &runtimeapi.StartContainerResponse{}, nil
}

// applyCgroupFiles writes the cgroup v2 settings Docker cannot express
// (kubelet's memory.oom.group) into a running container's cgroup, as runc
// would have at create: dockercri's part of the container's resources. A
// failure is logged; the container runs without the setting.
func (s *Service) applyCgroupFiles(ctx context.Context, in *dockerContainer, files map[string]string) {
	if len(files) == 0 || !s.stats.v2 {
		return
	}
	logger := log(ctx).WithField("container", in.ID)
	info, ok := s.stats.locate(in)
	if !ok {
		logger.Warn("cgroup settings not applied: the container's cgroup was not found")
		return
	}
	for k, v := range files {
		if err := s.stats.reader.WriteV2(info.cg, k, v); err != nil {
			logger.WithError(err).WithField("setting", k+"="+v).Warn("cgroup setting not applied")
		}
	}
}

// watchOOMKills follows a started container's OOM kills in its cgroup on
// cgroup v2, where Docker 20.10 reports none (State.OOMKilled stays false,
// seen on Debian 12's docker.io with the systemd driver); the count lands
// in the container's store entry and ContainerStatus reads it. The watch
// ends with the container's cgroup or the service.
func (s *Service) watchOOMKills(ctx context.Context, in *dockerContainer) {
	if !s.stats.v2 {
		return
	}
	info, ok := s.stats.locate(in)
	if !ok {
		return
	}
	id := in.ID
	logger := log(ctx).WithField("container", id)
	s.bg.Go(func(ctx context.Context) {
		err := s.stats.reader.WatchOOMKills(ctx, info.cg, func(k stats.OOMKills) {
			s.containers.UpdateStats([]string{id}, func(_ string, st *store.StatsState) {
				st.OOMKills, st.OOMKillsFromParent = k.Count, k.FromParent
			})
		})
		if err != nil {
			logger.WithError(err).Debug("OOM watch ended")
		}
	})
}

// startError classifies a failed start. Docker reports a container that
// cannot start because its sandbox is gone or stopped in several ways (a
// 409, a 500, or runc failing to enter the sandbox's namespaces): when the
// sandbox is not running, the failure is a state conflict.
func (s *Service) startError(ctx context.Context, in *dockerContainer, err error) error {
	if errdefs.Class(err) == errdefs.ErrAlreadyExists {
		return errdefs.Wrap(errdefs.ErrFailedPrecondition, err)
	}
	sb, serr := s.inspectSandbox(ctx, in.Config.Labels[translate.LabelSandboxID])
	if docker.IsNotFound(serr) || (serr == nil && (sb.State == nil || !sb.State.Running)) {
		return errdefs.FailedPrecondition("pod sandbox of container %s is not running: %w", in.ID, err)
	}
	return err
}
