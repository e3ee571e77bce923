package dockertest

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/dockercri/dockercri/docker"
)

// emit records a container event. The caller holds e.mu.
func (e *Engine) emit(c *container.InspectResponse, action string) {
	labels := map[string]string{}
	if c.Config != nil {
		for k, v := range c.Config.Labels {
			labels[k] = v
		}
	}
	e.events = append(e.events, docker.Event{ContainerID: c.ID, Action: action, Time: e.now(), Labels: labels})
}

// ContainerEvents replays the recorded events from since (zero: only new
// ones) that f selects, then follows new ones until ctx ends.
func (e *Engine) ContainerEvents(ctx context.Context, since time.Time, f docker.EventFilter) (<-chan docker.Event, <-chan error) {
	out := make(chan docker.Event, 64)
	errc := make(chan error, 1)
	e.mu.Lock()
	if err := e.enter(ctx, "ContainerEvents"); err != nil {
		e.mu.Unlock()
		errc <- err
		close(errc)
		close(out)
		return out, errc
	}
	next := len(e.events)
	if !since.IsZero() {
		next = 0
		for next < len(e.events) && e.events[next].Time.Before(since) {
			next++
		}
	}
	e.mu.Unlock()
	go func() {
		defer close(out)
		defer close(errc)
		for {
			e.mu.Lock()
			if e.wake == nil {
				e.wake = make(chan struct{})
			}
			pending := append([]docker.Event(nil), e.events[next:]...)
			next = len(e.events)
			wake := e.wake
			e.mu.Unlock()
			for _, ev := range pending {
				if !matchLabels(ev.Labels, f.Labels) || (len(f.Actions) > 0 && !slices.Contains(f.Actions, ev.Action)) {
					continue
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
			select {
			case <-wake:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, errc
}

func matchLabels(have map[string]string, want []string) bool {
	for _, w := range want {
		k, v, hasValue := strings.Cut(w, "=")
		got, ok := have[k]
		if !ok || (hasValue && got != v) {
			return false
		}
	}
	return true
}
