package dockertest

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// validName is Docker's restriction on container names.
var validName = regexp.MustCompile(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// CreateContainer creates a container in state "created". Like dockerd it
// refuses a name in use (AlreadyExists, Docker's 409), an unknown image
// (NotFound) and a malformed name (InvalidArgument); it merges the image's
// labels into the container's and defaults the log driver to json-file.
func (e *Engine) CreateContainer(ctx context.Context, name string, cfg *container.Config, host *container.HostConfig, _ *network.NetworkingConfig) (string, []string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "CreateContainer"); err != nil {
		return "", nil, err
	}
	if cfg == nil {
		return "", nil, errdefs.InvalidArgument("config cannot be empty in order to create a container")
	}
	id := newID()
	name = strings.TrimPrefix(name, "/")
	if name == "" {
		name = "fake_" + id[:12]
	}
	if !validName.MatchString(name) {
		return "", nil, errdefs.InvalidArgument("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name)
	}
	if other, taken := e.names[name]; taken {
		return "", nil, errdefs.AlreadyExists(`Conflict. The container name "/%s" is already in use by container %q. You have to remove (or rename) that container to be able to reuse that name.`, name, other)
	}
	img, err := e.resolveImage(cfg.Image)
	if err != nil {
		return "", nil, err
	}
	c := *cfg
	c.Labels = map[string]string{}
	if img.Config != nil {
		for k, v := range img.Config.Labels {
			c.Labels[k] = v
		}
	}
	for k, v := range cfg.Labels {
		c.Labels[k] = v
	}
	h := container.HostConfig{}
	if host != nil {
		h = *host
	}
	if h.LogConfig.Type == "" {
		h.LogConfig.Type = "json-file"
	}
	mps := append(mountPoints(h.Binds), apiMountPoints(h.Mounts)...)
	for i := range mps {
		if err := daemonRootPropagation(&mps[i], e.info.DockerRootDir); err != nil {
			return "", nil, err
		}
	}
	e.containers[id] = &container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{
			ID:         id,
			Name:       "/" + name,
			Created:    e.timestamp(),
			Image:      img.ID,
			State:      &container.State{Status: container.StateCreated, StartedAt: ZeroTime, FinishedAt: ZeroTime},
			HostConfig: &h,
		},
		Config:          &c,
		Mounts:          mps,
		NetworkSettings: &container.NetworkSettings{Networks: map[string]*network.EndpointSettings{}},
	}
	e.names[name] = id
	e.emit(e.containers[id], "create")
	e.changed()
	return id, nil, nil
}

// daemonRootPropagation applies Docker's rule for a bind whose source
// contains the data root or lies within it: no propagation given means
// rslave, and anything but rslave or rshared is refused. Elsewhere no
// propagation means rprivate.
func daemonRootPropagation(mp *container.MountPoint, root string) error {
	if mp.Type != mount.TypeBind {
		return nil
	}
	// Docker compares the strings as they are: "/" contains every root.
	within := strings.HasPrefix(mp.Source, root) || strings.HasPrefix(root, mp.Source)
	switch {
	case mp.Propagation == "" && within:
		mp.Propagation = mount.PropagationRSlave
	case mp.Propagation == "":
		mp.Propagation = mount.PropagationRPrivate
	case within && mp.Propagation != mount.PropagationRSlave && mp.Propagation != mount.PropagationRShared:
		return errdefs.InvalidArgument(`invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: %q, bind mount source: %q, propagation: %q`, root, mp.Source, mp.Propagation)
	}
	return nil
}

// mountPoints is what Docker reports for "src:dst[:opts]" binds.
func mountPoints(binds []string) []container.MountPoint {
	var out []container.MountPoint
	for _, b := range binds {
		parts := strings.SplitN(b, ":", 3)
		if len(parts) < 2 {
			continue
		}
		mp := container.MountPoint{Type: mount.TypeBind, Source: parts[0], Destination: parts[1], RW: true}
		if len(parts) == 3 {
			mp.Mode = parts[2]
			for _, o := range strings.Split(parts[2], ",") {
				switch o {
				case "ro":
					mp.RW = false
				case "rprivate", "private", "rslave", "slave", "rshared", "shared":
					mp.Propagation = mount.Propagation(o)
				}
			}
		}
		out = append(out, mp)
	}
	return out
}

// apiMountPoints reports mounts given through the mount API as Docker's
// inspect does: bind mounts with their source, image mounts with the image.
func apiMountPoints(ms []mount.Mount) []container.MountPoint {
	var out []container.MountPoint
	for _, m := range ms {
		mp := container.MountPoint{Type: m.Type, Source: m.Source, Destination: m.Target, RW: !m.ReadOnly}
		if m.BindOptions != nil {
			mp.Propagation = m.BindOptions.Propagation
		}
		out = append(out, mp)
	}
	return out
}

// lookup resolves a full id, a name (with or without "/") or a unique id
// prefix, as dockerd does. The caller holds e.mu.
func (e *Engine) lookup(ref string) (*container.InspectResponse, error) {
	if ref == "" {
		return nil, errdefs.InvalidArgument("invalid container name or ID: value is empty")
	}
	if c, ok := e.containers[ref]; ok {
		return c, nil
	}
	if id, ok := e.names[strings.TrimPrefix(ref, "/")]; ok {
		return e.containers[id], nil
	}
	var found *container.InspectResponse
	for id, c := range e.containers {
		if strings.HasPrefix(id, ref) {
			if found != nil {
				return nil, errdefs.InvalidArgument("multiple IDs found with provided prefix: %s", ref)
			}
			found = c
		}
	}
	if found == nil {
		return nil, errdefs.NotFound("No such container: %s", ref)
	}
	return found, nil
}

// StartContainer runs a created or exited container; starting a running one
// is a no-op (Docker's 304). On the default bridge it gets an address.
func (e *Engine) StartContainer(ctx context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "StartContainer"); err != nil {
		return err
	}
	c, err := e.lookup(id)
	if err != nil {
		return err
	}
	if c.State.Running {
		return nil
	}
	e.nextIP++
	c.State = &container.State{
		Status: container.StateRunning, Running: true, Pid: 1000 + e.nextIP,
		StartedAt: e.timestamp(), FinishedAt: c.State.FinishedAt,
	}
	if mode := c.HostConfig.NetworkMode; mode == "bridge" || mode == "default" || mode == "" {
		c.NetworkSettings.Networks["bridge"] = &network.EndpointSettings{IPAddress: fmt.Sprintf("172.17.%d.%d", e.nextIP/250, 2+e.nextIP%250), IPPrefixLen: 16}
	}
	if c.HostConfig.LogConfig.Type == "json-file" {
		c.LogPath = filepath.Join(e.info.DockerRootDir, "containers", c.ID, c.ID+"-json.log")
	}
	e.emit(c, "start")
	e.changed()
	return nil
}

// StopContainer makes a running container exit with code 0, as a process
// that honours its stop signal does. Stopping a stopped one is a no-op.
func (e *Engine) StopContainer(ctx context.Context, id string, _ time.Duration) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "StopContainer"); err != nil {
		return err
	}
	c, err := e.lookup(id)
	if err != nil {
		return err
	}
	if c.State.Running {
		e.exit(c, 0, false, "")
	}
	return nil
}

// exit moves c to "exited". The caller holds e.mu.
func (e *Engine) exit(c *container.InspectResponse, code int, oom bool, msg string) {
	c.State = &container.State{
		Status: container.StateExited, ExitCode: code, OOMKilled: oom, Error: msg,
		StartedAt: c.State.StartedAt, FinishedAt: e.timestamp(),
	}
	delete(c.NetworkSettings.Networks, "bridge")
	e.emit(c, "die")
	e.changed()
}

// SetExited makes container id exit as if its process ended by itself.
func (e *Engine) SetExited(id string, code int, oomKilled bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.lookup(id)
	if err != nil {
		return err
	}
	e.exit(c, code, oomKilled, "")
	return nil
}

// RemoveContainer force-removes a container, running or not.
func (e *Engine) RemoveContainer(ctx context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "RemoveContainer"); err != nil {
		return err
	}
	c, err := e.lookup(id)
	if err != nil {
		return err
	}
	delete(e.containers, c.ID)
	delete(e.names, strings.TrimPrefix(c.Name, "/"))
	delete(e.logs, c.ID)
	e.emit(c, "destroy")
	e.changed()
	return nil
}

// InspectContainer returns a copy of the container's state.
func (e *Engine) InspectContainer(ctx context.Context, id string) (container.InspectResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "InspectContainer"); err != nil {
		return container.InspectResponse{}, err
	}
	c, err := e.lookup(id)
	if err != nil {
		return container.InspectResponse{}, err
	}
	return copyContainer(c), nil
}

func copyContainer(c *container.InspectResponse) container.InspectResponse {
	out := *c
	base := *c.ContainerJSONBase
	st, host, cfg := *c.State, *c.HostConfig, *c.Config
	cfg.Labels = copyMap(c.Config.Labels)
	nets := map[string]*network.EndpointSettings{}
	for k, v := range c.NetworkSettings.Networks {
		ep := *v
		nets[k] = &ep
	}
	base.State, base.HostConfig = &st, &host
	out.ContainerJSONBase, out.Config = &base, &cfg
	out.NetworkSettings = &container.NetworkSettings{Networks: nets}
	out.Mounts = append([]container.MountPoint(nil), c.Mounts...)
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ListContainers lists all containers whose labels have every "key=value"
// or "key" given, newest first, as `docker ps -a --filter label=...` does.
func (e *Engine) ListContainers(ctx context.Context, labels ...string) ([]container.Summary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "ListContainers"); err != nil {
		return nil, err
	}
	var out []container.Summary
	for _, c := range e.containers {
		if !hasLabels(c.Config.Labels, labels) {
			continue
		}
		s := container.Summary{
			ID: c.ID, Names: []string{c.Name}, Image: c.Config.Image, ImageID: c.Image,
			Labels: copyMap(c.Config.Labels), State: c.State.Status, Status: string(c.State.Status),
			Mounts: append([]container.MountPoint(nil), c.Mounts...),
		}
		if t, err := time.Parse(time.RFC3339Nano, c.Created); err == nil {
			s.Created = t.Unix()
		}
		s.HostConfig.NetworkMode = string(c.HostConfig.NetworkMode)
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Created != out[j].Created {
			return out[i].Created > out[j].Created
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func hasLabels(have map[string]string, want []string) bool {
	for _, w := range want {
		k, v, withValue := strings.Cut(w, "=")
		got, ok := have[k]
		if !ok || (withValue && got != v) {
			return false
		}
	}
	return true
}

// StatContainerPath finds the container and the images its image mounts
// name (the fake holds no files: every path of a known image exists).
func (e *Engine) StatContainerPath(ctx context.Context, id, p string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "StatContainerPath"); err != nil {
		return err
	}
	c, err := e.lookup(id)
	if err != nil {
		return err
	}
	for _, m := range c.HostConfig.Mounts {
		if m.Type == mount.TypeImage {
			if _, err := e.resolveImage(m.Source); err != nil {
				return fmt.Errorf("image mount %s of container %s: %w", m.Target, id, err)
			}
		}
	}
	return nil
}

// UpdateContainer changes the resources that are set (non-zero) in res.
func (e *Engine) UpdateContainer(ctx context.Context, id string, res container.Resources) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "UpdateContainer"); err != nil {
		return err
	}
	c, err := e.lookup(id)
	if err != nil {
		return err
	}
	r := &c.HostConfig.Resources
	setIf(&r.CPUShares, res.CPUShares)
	setIf(&r.CPUQuota, res.CPUQuota)
	setIf(&r.CPUPeriod, res.CPUPeriod)
	setIf(&r.Memory, res.Memory)
	setIf(&r.MemorySwap, res.MemorySwap)
	setIf(&r.CpusetCpus, res.CpusetCpus)
	setIf(&r.CpusetMems, res.CpusetMems)
	if res.PidsLimit != nil {
		r.PidsLimit = res.PidsLimit
	}
	return nil
}

func setIf[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}

// ContainerIDs lists the ids of all containers, sorted.
func (e *Engine) ContainerIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, 0, len(e.containers))
	for id := range e.containers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ContainerSummary returns the list entry of container id.
func (e *Engine) ContainerSummary(ctx context.Context, id string) (container.Summary, bool, error) {
	list, err := e.ListContainers(ctx)
	if err != nil {
		return container.Summary{}, false, err
	}
	for _, s := range list {
		if s.ID == id {
			return s, true, nil
		}
	}
	return container.Summary{}, false, nil
}
