package shim

import (
	"context"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/store"
	"github.com/dockercri/dockercri/translate"
)

// orphanAge is how old a never-started sandbox container without a
// checkpoint must be before start-up reconciliation removes it: younger
// ones may belong to a RunPodSandbox still in flight.
const orphanAge = time.Minute

// reconcile settles what a dockercri killed in the middle of a call left
// behind, before the socket serves:
//   - a sandbox container created but never started and never recorded in
//     a checkpoint is removed (RunPodSandbox was cut short);
//   - a CNI ADD the checkpoint marks as begun but holds no result of is
//     completed or rolled back (reconcileNetworks);
//   - a checkpoint whose sandbox container is gone, once its network is
//     released, is removed (RemovePodSandbox or a rollback was cut short);
//   - a CRI container created but never started whose sandbox container is
//     gone is removed (CreateContainer was cut short while its pod went).
//
// A created container whose pod still exists is left alone: kubelet may
// hold its id, and it starts or removes it through the normal calls.
func (s *Service) reconcile(ctx context.Context) error {
	if err := s.reconcileSandboxes(ctx); err != nil {
		return err
	}
	if err := s.reconcileNetworks(ctx); err != nil {
		return err
	}
	sandboxes, err := s.engine.ListContainers(ctx, translate.LabelType+"="+translate.TypeSandbox)
	if err != nil {
		return err
	}
	exists := make(map[string]bool, len(sandboxes))
	for _, sb := range sandboxes {
		exists[sb.ID] = true
	}
	if err := s.reconcileCheckpoints(ctx, exists); err != nil {
		return err
	}
	return s.reconcileContainers(ctx, exists)
}

// reconcileCheckpoints removes checkpoints without a sandbox container whose
// network holds nothing (a DEL that failed keeps its checkpoint, so that
// stopping the pod retries it).
func (s *Service) reconcileCheckpoints(ctx context.Context, exists map[string]bool) error {
	ids, err := s.checkpoints.List()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if exists[id] {
			continue
		}
		cp, err := s.checkpoints.Read(id)
		if err != nil || (cp.Dockercri != nil && cp.Dockercri.NetworkSetUp) || s.ownWork(cp) {
			continue
		}
		if err := s.checkpoints.Remove(id); err != nil {
			return err
		}
		log(ctx).WithField("sandbox", id).Warn("removed the checkpoint of a sandbox whose container is gone")
	}
	return nil
}

// reconcileContainers removes never-started CRI containers whose sandbox
// container is gone.
func (s *Service) reconcileContainers(ctx context.Context, exists map[string]bool) error {
	list, err := s.engine.ListContainers(ctx, translate.LabelType+"="+translate.TypeContainer)
	if err != nil {
		return err
	}
	for i := range list {
		c := &list[i]
		sandbox := c.Labels[translate.LabelSandboxID]
		// No age limit: a container cannot be created for a sandbox that
		// does not exist, so whatever its age it will never run.
		if c.State != "created" || sandbox == "" || exists[sandbox] {
			continue
		}
		logger := log(ctx).WithFields(logrus.Fields{"container": c.ID, "sandbox": sandbox})
		if err := s.removeRecorded(ctx, c.ID); err != nil && !docker.IsNotFound(err) {
			logger.WithError(err).Warn("reconcile: removing a never-started container of a removed sandbox")
			continue
		}
		logger.Warn("removed a never-started container whose sandbox is gone")
	}
	return nil
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
		if _, err := s.checkpoints.Read(c.ID); err == nil {
			continue // recorded: kubelet sees it NOTREADY and removes it
		}
		log(ctx).WithField("sandbox", c.ID).Warn("removing a sandbox container a previous dockercri created but never started or recorded")
		if err := s.removeRecorded(ctx, c.ID); err != nil {
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
	ids, err := s.checkpoints.List()
	if err != nil {
		return err
	}
	for _, id := range ids {
		cp, err := s.checkpoints.Read(id)
		if err != nil || cp.Dockercri == nil || !cp.Dockercri.NetworkSetUp || len(cp.Dockercri.IPs) > 0 || s.ownWork(cp) {
			continue
		}
		logger := log(ctx).WithField("sandbox", id)
		pid := 0
		in, err := s.inspectCached(ctx, id)
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

// ownWork reports whether this process wrote the checkpoint: when dockerd
// answers only after dockercri started serving, reconciliation runs while
// calls are in flight, and must settle only what a predecessor left.
func (s *Service) ownWork(cp *store.Checkpoint) bool {
	return cp.CreatedAt() >= s.startedAt.UnixNano()
}
