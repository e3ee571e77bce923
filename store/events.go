package store

import "github.com/dockercri/dockercri/docker"

// eventKeepsInspect are the event actions that leave a container's
// inspect data (as dockercri reads it) unchanged. A create is among them:
// whatever was read of the container was read after its creation.
var eventKeepsInspect = map[string]bool{
	"create":      true,
	"exec_create": true, "exec_start": true, "exec_die": true, "exec_detach": true,
	"attach": true, "detach": true, "top": true, "resize": true,
	"copy": true, "export": true, "commit": true, "archive-path": true, "extract-to-dir": true,
	"health_status": true,
}

// eventChangesState are the actions that change only State and
// NetworkSettings.
var eventChangesState = map[string]bool{
	"start": true, "restart": true, "die": true, "oom": true, "kill": true, "stop": true,
	"pause": true, "unpause": true,
}

// Follow-up is what the event loop must do after Apply: read the container
// again from Docker (and Put it, or Remove it when it is gone).
type FollowUp int

const (
	// Nothing: the event is applied.
	Nothing FollowUp = iota
	// Reread: the store cannot tell the container's new form from the
	// event alone (a rename, a start of a container it did not hold).
	Reread
	// RereadUnlessOwn: a create the store does not hold; dockercri's own
	// creates are recorded by the handler (the event can come before the
	// create call returns), anything else must be read.
	RereadUnlessOwn
)

// Apply applies one Docker event. Events older than the last full list are
// ignored (the list reflects them).
func (c *Containers) Apply(ev docker.Event) FollowUp {
	if c.Stale(ev.Time) {
		return Nothing
	}
	switch {
	case eventKeepsInspect[ev.Action]:
	case eventChangesState[ev.Action]:
		c.StaleState(ev.ContainerID)
	default:
		c.Invalidate(ev.ContainerID)
	}
	switch ev.Action {
	case "create":
		if !c.Has(ev.ContainerID) {
			return RereadUnlessOwn
		}
	case "rename":
		return Reread
	case "start", "unpause", "restart":
		if !c.RecordState(ev.ContainerID, "running") {
			return Reread
		}
	case "die":
		c.RecordState(ev.ContainerID, "exited")
	case "pause":
		c.RecordState(ev.ContainerID, "paused")
	case "destroy":
		c.Remove(ev.ContainerID)
	}
	return Nothing
}
