package docker

import (
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
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

// Create-time configuration types.
type (
	// ContainerConfig is a container's portable configuration.
	ContainerConfig = container.Config
	// HostConfig is a container's host-dependent configuration.
	HostConfig = container.HostConfig
	// NetworkingConfig is a container's network endpoints.
	NetworkingConfig = network.NetworkingConfig
	// Resources are a container's cgroup limits.
	Resources = container.Resources
)
