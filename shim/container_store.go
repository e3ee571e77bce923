package shim

import (
	"context"
	"time"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/store"
	"github.com/dockercri/dockercri/translate"
)

// The handlers' writes to Docker's containers, each recorded in the store
// explicitly when Docker answers (read-your-writes: the next List sees it,
// whatever the event stream has delivered by then), and the event loop's
// side of the store: relists and the reads an event asks for.

// resync replaces the store's content with a fresh list of every CRI
// object.
func (s *Service) resync(ctx context.Context) error {
	at := time.Now()
	all, err := s.engine.ListContainers(ctx, translate.LabelType)
	if err != nil {
		s.containers.Desync()
		return err
	}
	s.containers.Replace(all, at)
	return nil
}

// reread reads one container from Docker into the store.
func (s *Service) reread(ctx context.Context, id string) {
	sum, ok, err := s.engine.ContainerSummary(ctx, id)
	switch {
	case err != nil:
		s.containers.Desync() // cannot tell: the next List asks Docker
	case ok:
		s.containers.Put(sum)
	default:
		s.containers.Remove(id)
	}
}

// applyEvent applies one Docker event to the store (the event loop's
// only write), and reads the container again when the event asks for it.
func (s *Service) applyEvent(ctx context.Context, ev docker.Event) {
	switch s.containers.Apply(ev) {
	case store.Reread:
		s.reread(ctx, ev.ContainerID)
	case store.RereadUnlessOwn:
		// dockercri's own create is recorded by its handler; its name is
		// still reserved while the create call runs.
		if !s.names.reserved(ev.Labels["name"]) {
			s.reread(ctx, ev.ContainerID)
		}
	}
}

// inspectCached returns a container's inspect data from the store when it
// is current there, else from Docker (stored for the next reader unless the
// container changed meanwhile).
func (s *Service) inspectCached(ctx context.Context, id string) (docker.ContainerInfo, error) {
	return inspectCached(ctx, s.engine, s.containers, id)
}

func inspectCached(ctx context.Context, engine docker.Engine, containers *store.Containers, id string) (docker.ContainerInfo, error) {
	if in, _, ok := containers.Inspect(id); ok {
		return in, nil
	}
	ver := containers.Version(id)
	in, err := engine.InspectContainer(ctx, id)
	if err == nil {
		containers.StoreInspect(in, ver)
	}
	return in, err
}

// createRecorded creates a container and records it with one inspect,
// which also fills the store's inspect data (the caller usually asks for
// the container next).
func (s *Service) createRecorded(ctx context.Context, spec *translate.CreateSpec) (string, []string, error) {
	id, warnings, err := s.engine.CreateContainer(ctx, spec.Name, spec.Config, spec.HostConfig, spec.Networking)
	if err != nil {
		return "", nil, err
	}
	if in, ierr := s.engine.InspectContainer(ctx, id); ierr == nil {
		s.containers.RecordCreated(in)
	} else {
		s.containers.Desync()
	}
	return id, warnings, nil
}

// startRecorded starts a container and records it running, unless an
// event wrote it meanwhile (it may have exited already).
func (s *Service) startRecorded(ctx context.Context, id string) error {
	ver := s.containers.Version(id)
	err := s.engine.StartContainer(ctx, id)
	if err != nil {
		s.containers.Invalidate(id) // a failed start still changes State.Error
		return err
	}
	s.containers.RecordStateIf(id, "running", ver)
	return nil
}

// stopRecorded stops a container and records it exited.
func (s *Service) stopRecorded(ctx context.Context, id string, timeout time.Duration) error {
	ver := s.containers.Version(id)
	err := s.engine.StopContainer(ctx, id, timeout)
	if err != nil {
		s.containers.Invalidate(id)
		return err
	}
	s.containers.RecordStateIf(id, "exited", ver)
	return nil
}

// updateRecorded changes a container's resources; its inspect data goes.
func (s *Service) updateRecorded(ctx context.Context, id string, res docker.Resources) error {
	defer s.containers.Invalidate(id)
	return s.engine.UpdateContainer(ctx, id, res)
}

// removeRecorded force-removes a container and records it gone. A
// removal that races another is settled here: Docker answers 409 "removal
// already in progress", and the container is as good as gone once that
// removal ends.
func (s *Service) removeRecorded(ctx context.Context, id string) error {
	err := s.engine.RemoveContainer(ctx, id)
	if errdefs.Class(err) == errdefs.ErrAlreadyExists {
		err = s.waitGone(ctx, id, err)
	}
	if err == nil || docker.IsNotFound(err) {
		s.containers.Remove(id)
	} else {
		s.containers.Invalidate(id)
	}
	return err
}

// waitGone waits (at most 10 s) for a container another call is removing.
func (s *Service) waitGone(ctx context.Context, id string, conflict error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		if _, err := s.engine.InspectContainer(ctx, id); docker.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return conflict
		case <-time.After(20 * time.Millisecond):
		}
	}
}
