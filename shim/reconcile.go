package shim

import (
	"context"
	"time"

	"github.com/dockercri/dockercri/translate"
)

// orphanAge is how old a never-started sandbox container without a
// checkpoint must be before start-up reconciliation removes it: younger
// ones may belong to a RunPodSandbox still in flight.
const orphanAge = time.Minute

// reconcile rolls back what a dockercri killed in the middle of
// RunPodSandbox left: a sandbox container that was created but never
// started and has no checkpoint. Everything else a crash can leave is
// already visible to kubelet, which cleans it up through the normal calls
// (a checkpoint without container is listed NOTREADY, and its stop runs
// the CNI DEL its mark asks for; a created container is started or
// removed by kubelet).
func (s *Service) reconcile(ctx context.Context) error {
	list, err := s.engine.ListContainers(ctx, translate.LabelType+"="+translate.TypeSandbox)
	if err != nil {
		return err
	}
	for i := range list {
		c := &list[i]
		if c.State != "created" || time.Since(time.Unix(c.Created, 0)) < orphanAge {
			continue
		}
		if _, err := translate.ParseSandboxName(translate.PrimaryName(c.Names)); err != nil {
			continue // not a pod sandbox by its name: not ours to judge
		}
		if _, err := s.checkpoints.read(c.ID); err == nil {
			continue // recorded: kubelet sees it NOTREADY and removes it
		}
		log(ctx).WithField("sandbox", c.ID).Warn("removing a sandbox container a previous dockercri created but never started or recorded")
		if err := s.engine.RemoveContainer(ctx, c.ID); err != nil {
			log(ctx).WithError(err).WithField("sandbox", c.ID).Warn("reconcile: removing orphaned sandbox")
		}
	}
	return nil
}
