package shim

import (
	"context"
	"io"
	"time"

	"github.com/dockercri/dockercri/containerlog"
)

// exitSettleWait bounds how long a log follower whose stream ended waits
// for the index to learn of the container's exit. Docker ends a follow
// stream when it closes the container's logger, just before it sends the
// die event, so the wait is usually a few milliseconds; a stream that ends
// while the container keeps running (rare) costs this delay once before
// Docker is asked.
const exitSettleWait = time.Second

// logEngine is the engine as the CRI log followers see it: whether a
// container still runs comes from the index when it knows (the die event
// or dockercri's own stop), which spares a Docker inspect per container.
type logEngine struct {
	s *Service
}

// LogEngine is the engine to give the CRI log manager.
func (s *Service) LogEngine() containerlog.Engine { return logEngine{s: s} }

func (e logEngine) LogStream(ctx context.Context, id, since string, follow bool) (io.ReadCloser, error) {
	return e.s.engine.LogStream(ctx, id, since, follow)
}

// Running answers from the index once it holds id in a state without a
// process; otherwise (not synced, not indexed, or still running after the
// wait, which only an exiting container gets) Docker is asked.
func (e logEngine) Running(ctx context.Context, id string, exiting bool) (bool, error) {
	wait := time.Duration(0)
	if exiting {
		wait = exitSettleWait
	}
	if e.s.index.waitExited(ctx, id, wait) {
		return false, nil
	}
	in, err := e.s.engine.InspectContainer(ctx, id)
	if err != nil {
		return false, err
	}
	return in.State != nil && in.State.Running, nil
}

// waitExited waits up to d for the index to hold container id in a state
// without a process (exited, created, dead). It is false when the index is
// not synced or does not hold id, or id still runs when d has passed.
func (x *containerIndex) waitExited(ctx context.Context, id string, d time.Duration) bool {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	for {
		exited, changed := x.exited(id)
		if exited || changed == nil || timeout == nil {
			return exited
		}
		select {
		case <-changed:
		case <-timeout:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// exited is one look at id for waitExited; changed is nil when waiting
// cannot help (the index is not synced or does not hold id).
func (x *containerIndex) exited(id string) (exited bool, changed <-chan struct{}) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.entries[id]
	switch {
	case !x.synced || !ok:
		return false, nil
	case !activeState(e.sum.State):
		return true, nil
	}
	if x.changed == nil {
		x.changed = make(chan struct{})
	}
	return false, x.changed
}

// notifyLocked wakes the waitExited callers after an entry changed.
func (x *containerIndex) notifyLocked() {
	if x.changed != nil {
		close(x.changed)
		x.changed = nil
	}
}
