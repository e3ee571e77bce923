package docker

import (
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
)

// The SDK types that cross this package's boundary, named here so the layers
// above never import the Docker SDK themselves.
type (
	// ContainerInfo is a container's inspect data.
	ContainerInfo = container.InspectResponse
	// ContainerSummary is one entry of a container list.
	ContainerSummary = container.Summary
	// ImageInfo is an image's inspect data.
	ImageInfo = image.InspectResponse
	// ImageSummary is one entry of an image list.
	ImageSummary = image.Summary
)
