package docker

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// Event is one container event from Docker.
type Event struct {
	ContainerID string
	Action      string // create, start, die, destroy, ...
	Time        time.Time
	Labels      map[string]string
}

// EventFilter selects container events: every label must match ("key" or
// "key=value") and, when Actions is not empty, the action must be one of
// them. Docker applies it, so unwanted events cost no decoding.
type EventFilter struct {
	Labels  []string
	Actions []string
}

// Args is f as Docker's filter arguments (container events only).
func (f EventFilter) Args() filters.Args {
	args := filters.NewArgs(filters.Arg("type", string(events.ContainerEventType)))
	for _, l := range f.Labels {
		args.Add("label", l)
	}
	for _, a := range f.Actions {
		args.Add("event", a)
	}
	return args
}

// ContainerEvents streams container events that f selects, from since
// (zero: from now). Both channels close when ctx ends or the stream breaks;
// the error channel then holds why (nil for ctx).
func (c *Client) ContainerEvents(ctx context.Context, since time.Time, f EventFilter) (<-chan Event, <-chan error) {
	opts := events.ListOptions{Filters: f.Args()}
	if !since.IsZero() {
		opts.Since = fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond())
	}
	msgs, errs := c.api.Events(ctx, opts)
	out := make(chan Event, 64)
	errc := make(chan error, 1)
	go func() {
		defer close(out)
		defer close(errc)
		for {
			select {
			case m := <-msgs:
				ev := Event{ContainerID: m.Actor.ID, Action: string(m.Action), Labels: m.Actor.Attributes, Time: time.Unix(0, m.TimeNano)}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			case err := <-errs:
				if ctx.Err() == nil {
					errc <- classify(err, "docker events")
				}
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, errc
}
