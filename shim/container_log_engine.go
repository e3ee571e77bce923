package shim

import (
	"context"
	"io"
	"time"

	"github.com/dockercri/dockercri/containerlog"
	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/store"
)

// exitSettleWait bounds how long a log follower whose stream ended waits
// for the store to learn of the container's exit. Docker ends a follow
// stream when it closes the container's logger, just before it sends the
// die event, so the wait is usually a few milliseconds; a stream that ends
// while the container keeps running (rare) costs this delay once before
// Docker is asked.
const exitSettleWait = time.Second

// logEngine is the engine as the CRI log followers see it: whether a
// container still runs comes from the store when it knows (the die event
// or dockercri's own stop), which spares a Docker inspect per container.
type logEngine struct {
	engine     docker.Engine
	containers *store.Containers
}

// NewLogEngine is the engine to build the CRI log manager on, before the
// service: give the service the same store (Deps.Containers).
func NewLogEngine(engine docker.Engine, containers *store.Containers) containerlog.Engine {
	return logEngine{engine: engine, containers: containers}
}

func (e logEngine) LogStream(ctx context.Context, id, since string, follow bool) (io.ReadCloser, error) {
	return e.engine.LogStream(ctx, id, since, follow)
}

// Running answers from the store once it holds id in a state without a
// process; otherwise (not synced, not held, or still running after the
// wait, which only an exiting container gets) Docker is asked.
func (e logEngine) Running(ctx context.Context, id string, exiting bool) (bool, error) {
	wait := time.Duration(0)
	if exiting {
		wait = exitSettleWait
	}
	if e.containers.WaitExited(ctx, id, wait) {
		return false, nil
	}
	in, err := inspectCached(ctx, e.engine, e.containers, id)
	if err != nil {
		return false, err
	}
	return in.State != nil && in.State.Running, nil
}
