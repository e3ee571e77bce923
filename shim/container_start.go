package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
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
	s.watchOOMKills(ctx, in.ID)
	return &runtimeapi.StartContainerResponse{}, nil
}

// watchOOMKills follows a started container's OOM kills in its cgroup on
// cgroup v2, where Docker 20.10 reports none (State.OOMKilled stays false,
// seen on Debian 12's docker.io with the systemd driver); the count lands
// in the container's store entry and ContainerStatus reads it. The watch
// ends with the container's cgroup or the service.
func (s *Service) watchOOMKills(ctx context.Context, id string) {
	if !s.stats.v2 {
		return
	}
	in, err := s.inspectCached(ctx, id)
	if err != nil {
		return
	}
	info, ok := s.stats.locate(&in)
	if !ok {
		return
	}
	logger := log(ctx).WithField("container", id)
	s.bg.Go(func(ctx context.Context) {
		err := s.stats.reader.WatchOOMKills(ctx, info.cg, func(n uint64) {
			s.containers.UpdateStats([]string{id}, func(_ string, st *store.StatsState) { st.OOMKills = n })
		})
		if err != nil {
			logger.WithError(err).Debug("OOM watch ended")
		}
	})
}

// resumeOOMWatches starts the OOM watch of every CRI container that was
// already running when dockercri started (a restart or upgrade of the
// daemon): their later OOM kills are reported as for containers started
// since. A kill that happened while no dockercri ran is still counted if
// the container's cgroup outlived it (memory.events keeps the count).
func (s *Service) resumeOOMWatches(ctx context.Context) error {
	if !s.stats.v2 {
		return nil
	}
	list, err := s.engine.ListContainers(ctx, translate.LabelType+"="+translate.TypeContainer)
	if err != nil {
		return err
	}
	for i := range list {
		if list[i].State == "running" {
			s.watchOOMKills(ctx, list[i].ID)
		}
	}
	return nil
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
