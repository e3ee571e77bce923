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

// ContainerEvents streams container events whose labels match, from since
// (zero: from now). Both channels close when ctx ends or the stream breaks;
// the error channel then holds why (nil for ctx).
func (c *Client) ContainerEvents(ctx context.Context, since time.Time, labels ...string) (<-chan Event, <-chan error) {
	args := filters.NewArgs(filters.Arg("type", string(events.ContainerEventType)))
	for _, l := range labels {
		args.Add("label", l)
	}
	opts := events.ListOptions{Filters: args}
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
