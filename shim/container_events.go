package shim

import (
	"context"
	"errors"
	"sync"
	"time"

	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/translate"
)

// subscriberBuffer is how many events a GetContainerEvents subscriber may
// lag behind before it is dropped (kubelet then reconnects and relists).
const subscriberBuffer = 1024

// eventHub fans container events out to GetContainerEvents subscribers.
type eventHub struct {
	mu   sync.Mutex
	subs map[chan *runtimeapi.ContainerEventResponse]struct{}
}

func (h *eventHub) subscribe() chan *runtimeapi.ContainerEventResponse {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[chan *runtimeapi.ContainerEventResponse]struct{}{}
	}
	ch := make(chan *runtimeapi.ContainerEventResponse, subscriberBuffer)
	h.subs[ch] = struct{}{}
	return ch
}

func (h *eventHub) unsubscribe(ch chan *runtimeapi.ContainerEventResponse) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

// publish never blocks: a subscriber whose buffer is full is dropped.
func (h *eventHub) publish(ev *runtimeapi.ContainerEventResponse) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- ev:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

func (h *eventHub) active() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs) > 0
}

// GetContainerEvents streams container lifecycle events (evented PLEG).
func (s *Service) GetContainerEvents(_ *runtimeapi.GetEventsRequest, stream grpc.ServerStreamingServer[runtimeapi.ContainerEventResponse]) error {
	ch := s.events.subscribe()
	defer s.events.unsubscribe(ch)
	for {
		select {
		case <-stream.Context().Done():
			return nil
		case ev, ok := <-ch:
			if !ok {
				return errdefs.Wrap(errdefs.ErrUnavailable, errSubscriberDropped)
			}
			if err := stream.Send(ev); err != nil {
				return err
			}
		}
	}
}

var errSubscriberDropped = errors.New("event subscriber fell behind and was dropped; reconnect and relist")

var eventTypes = map[string]runtimeapi.ContainerEventType{
	"create":  runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT,
	"start":   runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT,
	"die":     runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT,
	"destroy": runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT,
}

// WatchedEvents are the events that change what the store, the inspect
// cache or GetContainerEvents subscribers see. Docker drops the rest
// (exec_*, kill, stop, attach, ...: a probe's exec alone makes three)
// before they reach dockercri.
var WatchedEvents = docker.EventFilter{
	Labels:  []string{translate.LabelType},
	Actions: []string{"create", "start", "restart", "die", "oom", "destroy", "rename", "update", "pause", "unpause"},
}

// resyncDelay is how soon the store is relisted after something left it
// unsynced while the event stream still runs (a failed read of one entry).
const resyncDelay = 100 * time.Millisecond

// watchEvents follows Docker's container events until ctx ends. After a
// broken stream it reconnects from the last event it saw, so Docker replays
// what happened in between.
func (s *Service) watchEvents(ctx context.Context) {
	var seen eventDedup
	backoff := 100 * time.Millisecond
	for reconnect := false; ctx.Err() == nil; reconnect = true {
		since := seen.last
		if since.IsZero() {
			// Overlap the list below, so nothing falls between the two.
			since = time.Now().Add(-time.Second)
		}
		evs, errc := s.engine.ContainerEvents(ctx, since, WatchedEvents)
		s.containers.ClearResyncRequest()
		if err := s.resync(ctx); err != nil {
			log(ctx).WithError(err).Debug("listing containers for the store")
		} else if s.engineStartupPending() {
			s.lateEngineStartup() // dockerd answers: finish start-up if it could not
		} else if reconnect {
			// dockerd came back, perhaps upgraded: what it can do may differ.
			if err := s.refreshEngineFacts(ctx); err != nil {
				log(ctx).WithError(err).Debug("refreshing docker info after a reconnect")
			}
		}
		if s.followEvents(ctx, evs, &seen) {
			backoff = 100 * time.Millisecond
		}
		s.containers.Desync() // the stream broke: List asks Docker until resynced
		if err := <-errc; err != nil {
			log(ctx).WithError(err).Debug("docker events stream broke; reconnecting")
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// eventDedup remembers the newest event time handled and which events at
// that time, so a replay after a reconnect is not handled twice.
type eventDedup struct {
	last   time.Time
	atLast map[string]bool
}

// fresh reports whether ev is new, and records it. A reconnect replays
// events from the newest time handled on (Docker's since), so only events
// at exactly that time can be handled ones. An older event is new: Docker
// stamps an event before it publishes it, so concurrent containers' events
// can arrive out of time order in one stream, and dropping such an event
// (a "die") left a container listed as running for good.
func (d *eventDedup) fresh(ev docker.Event) bool {
	key := ev.ContainerID + "/" + ev.Action
	switch {
	case ev.Time.Before(d.last):
		return true
	case ev.Time.Equal(d.last) && d.atLast[key]:
		return false
	case ev.Time.After(d.last):
		d.last, d.atLast = ev.Time, map[string]bool{}
	}
	d.atLast[key] = true
	return true
}

// followEvents applies events until the stream ends, relisting the store
// when something asks for it meanwhile. It reports whether any event came.
func (s *Service) followEvents(ctx context.Context, evs <-chan docker.Event, seen *eventDedup) bool {
	got := false
	wake := s.containers.ResyncRequested()
	var retry <-chan time.Time
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				return got
			}
			got = true
			if !seen.fresh(ev) {
				continue // replayed after a reconnect: already handled
			}
			s.applyEvent(ctx, ev)
			if ev.Labels[translate.LabelType] == translate.TypeContainer {
				s.handleEvent(ctx, ev)
			}
		case <-wake:
			if retry == nil {
				retry = time.After(resyncDelay)
			}
		case <-retry:
			retry = nil
			if !s.containers.Synced() {
				if err := s.resync(ctx); err != nil {
					log(ctx).WithError(err).Debug("relisting containers for the store")
				} else {
					s.lateEngineStartup()
				}
			}
		}
	}
}

func (s *Service) handleEvent(ctx context.Context, ev docker.Event) {
	typ, ok := eventTypes[ev.Action]
	if !ok || !s.events.active() {
		return
	}
	resp := &runtimeapi.ContainerEventResponse{ContainerId: ev.ContainerID, ContainerEventType: typ, CreatedAt: ev.Time.UnixNano()}
	sandboxID := ev.Labels[translate.LabelSandboxID]
	if st, _, err := s.sandboxStatus(ctx, sandboxID); err == nil {
		resp.PodSandboxStatus = st
	}
	if list, err := s.listContainers(ctx, &runtimeapi.ContainerFilter{PodSandboxId: sandboxID}); err == nil {
		for _, c := range list {
			// Never waits for a log follower: the event loop must not stall.
			if cs, _, err := s.containerStatus(ctx, c.Id); err == nil {
				resp.ContainersStatuses = append(resp.ContainersStatuses, cs)
			}
		}
	}
	s.events.publish(resp)
}
