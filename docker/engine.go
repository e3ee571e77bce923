package docker

import (
	"context"
	"io"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/system"
)

// Engine is the part of the Docker Engine API that dockercri uses. *Client
// implements it; tests use small stateful fakes.
type Engine interface {
	Ping(ctx context.Context) error
	Info(ctx context.Context) (system.Info, error)
	Version(ctx context.Context) (types.Version, error)

	CreateContainer(ctx context.Context, name string, cfg *container.Config, host *container.HostConfig, net *network.NetworkingConfig) (string, []string, error)
	StartContainer(ctx context.Context, id string) error
	StopContainer(ctx context.Context, id string, timeout time.Duration) error
	RemoveContainer(ctx context.Context, id string) error
	InspectContainer(ctx context.Context, id string) (container.InspectResponse, error)
	ListContainers(ctx context.Context, labels ...string) ([]container.Summary, error)
	ContainerSummary(ctx context.Context, id string) (container.Summary, bool, error)
	UpdateContainer(ctx context.Context, id string, res container.Resources) error
	// StatContainerPath checks that path can be reached in the container's
	// file system as Docker mounts it, its volumes and image mounts
	// included (a created container's too: Docker mounts them for it).
	StatContainerPath(ctx context.Context, id, path string) error

	ListImages(ctx context.Context) ([]image.Summary, error)
	ImagesDiskUsage(ctx context.Context) (int64, error)
	InspectImage(ctx context.Context, ref string) (image.InspectResponse, error)
	PullImage(ctx context.Context, ref, registryAuth string) (io.ReadCloser, error)
	RemoveImage(ctx context.Context, ref string, force bool) error
	TagImage(ctx context.Context, source, target string) error
	ImportImage(ctx context.Context, rootfs io.Reader, ref string, changes []string) error

	ExecCreate(ctx context.Context, id string, cfg ExecConfig) (string, error)
	ExecAttach(ctx context.Context, execID string, tty bool) (Hijacked, error)
	ExecResize(ctx context.Context, execID string, height, width uint) error
	ExecInspect(ctx context.Context, execID string) (ExecInfo, error)
	Attach(ctx context.Context, id string, stdin, stdout, stderr bool) (Hijacked, error)
	Resize(ctx context.Context, id string, height, width uint) error
	LogStream(ctx context.Context, id, since string, follow bool) (io.ReadCloser, error)
	ContainerEvents(ctx context.Context, since time.Time, f EventFilter) (<-chan Event, <-chan error)
}

var _ Engine = (*Client)(nil)
