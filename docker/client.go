// Package docker is dockercri's narrow client of the Docker Engine API.
//
// It is the only package that talks to dockerd. Every call takes ctx first,
// negotiates the API version (dockerd 20.10 / API 1.41 upward) and returns
// errors classified with internal/errdefs so that the gRPC boundary can map
// them to codes without looking at message text.
package docker

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// Client wraps the Docker SDK client.
type Client struct {
	api *client.Client
}

// New connects to the engine at endpoint (for example
// unix:///var/run/docker.sock). An empty endpoint honours DOCKER_HOST and the
// other DOCKER_* variables. wrap, if not nil, wraps the HTTP transport every
// API call goes through (for instrumentation). No request is made until the
// first call.
func New(endpoint string, wrap func(http.RoundTripper) http.RoundTripper) (*Client, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation(), WithoutTracing()}
	if endpoint != "" {
		opts = append(opts, client.WithHost(endpoint))
	}
	api, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker client for %q: %w", endpoint, err)
	}
	if wrap != nil {
		// The transport the SDK configured for the host, wrapped; hijacked
		// exec/attach streams dial on their own and are not affected.
		hc := &http.Client{Transport: wrap(api.HTTPClient().Transport)}
		if api, err = client.NewClientWithOpts(append(opts, client.WithHTTPClient(hc))...); err != nil {
			return nil, fmt.Errorf("docker client for %q: %w", endpoint, err)
		}
	}
	return &Client{api: api}, nil
}

// WithoutTracing turns off the SDK's OpenTelemetry instrumentation of
// every API call. dockercri exports no traces, yet the instrumentation
// (attributes, span and metric bookkeeping for the no-op providers) cost
// about a tenth of its CPU in a pod lifecycle; the filter passes every
// request straight to the transport.
func WithoutTracing() client.Opt {
	return client.WithTraceOptions(otelhttp.WithFilter(func(*http.Request) bool { return false }))
}

// Close releases idle connections.
func (c *Client) Close() error { return c.api.Close() }

// Ping checks that dockerd answers.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.api.Ping(ctx)
	return classify(err, "ping docker")
}

// Info returns `docker info`.
func (c *Client) Info(ctx context.Context) (system.Info, error) {
	info, err := c.api.Info(ctx)
	return info, classify(err, "docker info")
}

// Version returns the engine's version.
func (c *Client) Version(ctx context.Context) (types.Version, error) {
	v, err := c.api.ServerVersion(ctx)
	return v, classify(err, "docker version")
}

// APIVersion is the negotiated API version.
func (c *Client) APIVersion() string { return c.api.ClientVersion() }

// CreateContainer creates a container named name and returns its id.
func (c *Client) CreateContainer(ctx context.Context, name string, cfg *container.Config, host *container.HostConfig, net *network.NetworkingConfig) (string, []string, error) {
	resp, err := c.api.ContainerCreate(ctx, cfg, host, net, nil, name)
	if err != nil {
		return "", nil, classify(err, "create container %s", name)
	}
	return resp.ID, resp.Warnings, nil
}

// StartContainer starts a created container.
func (c *Client) StartContainer(ctx context.Context, id string) error {
	return classify(c.api.ContainerStart(ctx, id, container.StartOptions{}), "start container %s", id)
}

// StopContainer sends the stop signal and kills the container after
// timeout. A negative timeout means Docker's default.
func (c *Client) StopContainer(ctx context.Context, id string, timeout time.Duration) error {
	opts := container.StopOptions{}
	if timeout >= 0 {
		secs := int(timeout.Round(time.Second) / time.Second)
		opts.Timeout = &secs
	}
	return classify(c.api.ContainerStop(ctx, id, opts), "stop container %s", id)
}

// RemoveContainer force-removes a container and its anonymous volumes.
func (c *Client) RemoveContainer(ctx context.Context, id string) error {
	err := c.api.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	return classify(err, "remove container %s", id)
}

// StatContainerPath stats path in the container's file system (Docker's
// archive HEAD), which makes Docker mount the container's volumes.
func (c *Client) StatContainerPath(ctx context.Context, id, path string) error {
	_, err := c.api.ContainerStatPath(ctx, id, path)
	return classify(err, "stat %s in container %s", path, id)
}

// InspectContainer returns the container's full state.
func (c *Client) InspectContainer(ctx context.Context, id string) (container.InspectResponse, error) {
	resp, err := c.api.ContainerInspect(ctx, id)
	return resp, classify(err, "inspect container %s", id)
}

// ListContainers lists containers (all states) whose labels match every
// key=value or key given.
func (c *Client) ListContainers(ctx context.Context, labels ...string) ([]container.Summary, error) {
	args := filters.NewArgs()
	for _, l := range labels {
		args.Add("label", l)
	}
	list, err := c.api.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	return list, classify(err, "list containers")
}

// ContainerSummary returns the list entry of one container (any state);
// ok is false when there is none.
func (c *Client) ContainerSummary(ctx context.Context, id string) (container.Summary, bool, error) {
	// An inspect costs dockerd one lookup; a list filtered by id walks
	// every container.
	in, err := c.InspectContainer(ctx, id)
	if IsNotFound(err) {
		return container.Summary{}, false, nil
	}
	if err != nil {
		return container.Summary{}, false, err
	}
	return SummaryOf(in), true, nil
}

// UpdateContainer changes a container's resources.
func (c *Client) UpdateContainer(ctx context.Context, id string, res container.Resources) error {
	_, err := c.api.ContainerUpdate(ctx, id, container.UpdateConfig{Resources: res})
	return classify(err, "update container %s", id)
}

// ListImages lists all tagged and untagged (non-intermediate) images.
func (c *Client) ListImages(ctx context.Context) ([]image.Summary, error) {
	list, err := c.api.ImageList(ctx, image.ListOptions{})
	return list, classify(err, "list images")
}

// ImagesDiskUsage returns the bytes the engine's image layers take on disk
// (`docker system df`'s LayersSize, shared layers counted once).
func (c *Client) ImagesDiskUsage(ctx context.Context) (int64, error) {
	du, err := c.api.DiskUsage(ctx, types.DiskUsageOptions{Types: []types.DiskUsageObject{types.ImageObject}})
	return du.LayersSize, classify(err, "images disk usage")
}

// InspectImage returns an image by id, name or digest reference.
func (c *Client) InspectImage(ctx context.Context, ref string) (image.InspectResponse, error) {
	resp, err := c.api.ImageInspect(ctx, ref)
	return resp, classify(err, "inspect image %s", ref)
}

// PullImage starts a pull; the caller must drain and close the progress
// stream (JSON messages) for the pull to complete.
func (c *Client) PullImage(ctx context.Context, ref, registryAuth string) (io.ReadCloser, error) {
	rc, err := c.api.ImagePull(ctx, ref, image.PullOptions{RegistryAuth: registryAuth})
	return rc, classifyPull(err, ref)
}

// RemoveImage removes an image reference (tag, digest reference or id).
func (c *Client) RemoveImage(ctx context.Context, ref string, force bool) error {
	_, err := c.api.ImageRemove(ctx, ref, image.RemoveOptions{Force: force, PruneChildren: true})
	return classify(err, "remove image %s", ref)
}

// TagImage adds the reference target to image source.
func (c *Client) TagImage(ctx context.Context, source, target string) error {
	return classify(c.api.ImageTag(ctx, source, target), "tag image %s as %s", source, target)
}

// ImportImage creates image ref from a root filesystem tarball.
func (c *Client) ImportImage(ctx context.Context, rootfs io.Reader, ref string, changes []string) error {
	rc, err := c.api.ImageImport(ctx, image.ImportSource{Source: rootfs, SourceName: "-"}, ref, image.ImportOptions{Changes: changes})
	if err != nil {
		return classify(err, "import image %s", ref)
	}
	defer rc.Close()
	return classify(drainJSONMessages(rc, nil), "import image %s", ref)
}
