package shim

import (
	"context"
	"time"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/translate"
)

// orphanAge is how old a never-started sandbox container without a
// checkpoint must be before start-up reconciliation removes it: younger
// ones may belong to a RunPodSandbox still in flight.
const orphanAge = time.Minute

// reconcile settles what a dockercri killed in the middle of
// RunPodSandbox left: a sandbox container that was created but never
// started and has no checkpoint is removed, and a CNI ADD that the
// checkpoint marks as begun but holds no result of is completed or rolled
// back (reconcileNetworks). Everything else a crash can leave is already
// visible to kubelet, which cleans it up through the normal calls (a
// checkpoint without container is listed NOTREADY, and its stop runs the
// CNI DEL its mark asks for; a created container is started or removed by
// kubelet).
func (s *Service) reconcile(ctx context.Context) error {
	if err := s.reconcileSandboxes(ctx); err != nil {
		return err
	}
	return s.reconcileNetworks(ctx)
}

func (s *Service) reconcileSandboxes(ctx context.Context) error {
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

// reconcileNetworks finishes the CNI ADDs a killed dockercri left between
// the checkpoint's "network set up" mark and the recorded result. When the
// sandbox runs and libcni cached the ADD's result, the ADD completed: its
// IPs are recorded. Otherwise (the ADD was cut short, or the sandbox is
// no longer running) it is rolled back with DEL now, releasing its IP at
// once instead of when kubelet stops the pod; a running sandbox left
// without network shows no IP, and kubelet replaces it.
func (s *Service) reconcileNetworks(ctx context.Context) error {
	if s.net == nil {
		return nil
	}
	ids, err := s.checkpoints.list()
	if err != nil {
		return err
	}
	for _, id := range ids {
		cp, err := s.checkpoints.read(id)
		if err != nil || cp.Dockercri == nil || !cp.Dockercri.NetworkSetUp || len(cp.Dockercri.IPs) > 0 {
			continue
		}
		logger := log(ctx).WithField("sandbox", id)
		pid := 0
		in, err := s.engine.InspectContainer(ctx, id)
		switch {
		case err == nil && in.State != nil && in.State.Running:
			pid = in.State.Pid
		case err != nil && !docker.IsNotFound(err):
			logger.WithError(err).Warn("reconcile: cannot inspect a sandbox whose network set-up was interrupted")
			continue
		}
		if pid > 0 {
			ips, err := s.net.CachedIPs(podFromCheckpoint(id, cp, pid))
			if err != nil {
				logger.WithError(err).Warn("reconcile: reading the cached CNI result")
			}
			if len(ips) > 0 {
				if err := s.recordIPs(id, ips); err != nil {
					return err
				}
				logger.WithField("ips", ips).Info("completed the pod network set-up a previous dockercri was killed in")
				continue
			}
		}
		if err := s.tearDownNetwork(ctx, id, pid); err != nil {
			logger.WithError(err).Warn("reconcile: rolling back an interrupted pod network set-up (the pod's stop retries it)")
			continue
		}
		logger.Warn("rolled back the pod network set-up a previous dockercri was killed in")
	}
	return nil
}
