package docker

import (
	"time"

	"github.com/docker/docker/api/types/container"
)

// SummaryOf is the list entry Docker would show for an inspected
// container, in the fields dockercri reads (id, names, image, labels,
// state, creation time). Image is the configured reference, as
// ContainerInspect reports it.
func SummaryOf(in ContainerInfo) ContainerSummary {
	var s container.Summary
	if in.ContainerJSONBase == nil {
		return s
	}
	s.ID, s.ImageID = in.ID, in.Image
	if in.Name != "" {
		s.Names = []string{in.Name}
	}
	if in.Config != nil {
		s.Image, s.Labels = in.Config.Image, in.Config.Labels
	}
	if in.State != nil {
		s.State = in.State.Status
	}
	if t, err := time.Parse(time.RFC3339Nano, in.Created); err == nil {
		s.Created = t.Unix()
	}
	return s
}
