package shim

import (
	"context"

	"github.com/dockercri/dockercri/translate"
)

// resumeContainers picks up, after a restart, the containers of this
// dockercri's pods (those whose sandbox has a checkpoint in its root
// directory; pods of another runtime instance on the same dockerd are left
// to it), with one list of Docker's containers: their log followers
// restart (running ones keep being followed, exited ones get what they
// printed while dockercri was down) and running ones get their OOM watch
// on cgroup v2 (a kill while no dockercri ran still counts if the
// container's cgroup outlived it: memory.events keeps the count).
func (s *Service) resumeContainers(ctx context.Context) error {
	if s.logs == nil && !s.stats.v2 {
		return nil
	}
	list, err := s.engine.ListContainers(ctx, translate.LabelType+"="+translate.TypeContainer)
	if err != nil {
		return err
	}
	for i := range list {
		c := &list[i]
		follow := s.logs != nil && c.Labels[translate.LabelLogPath] != ""
		watch := s.stats.v2 && c.State == "running"
		if (!follow && !watch) || c.State == "created" || !s.checkpoints.Exists(c.Labels[translate.LabelSandboxID]) {
			continue
		}
		in, err := s.inspectCached(ctx, c.ID)
		if err != nil {
			continue
		}
		if follow {
			s.followLogs(ctx, &in)
		}
		if watch {
			s.watchOOMKills(ctx, &in)
		}
	}
	return nil
}
