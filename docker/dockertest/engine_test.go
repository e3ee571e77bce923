package dockertest

import (
	"context"
	"errors"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

func busybox() image.InspectResponse {
	return image.InspectResponse{
		ID:       "sha256:1111111111111111111111111111111111111111111111111111111111111111",
		RepoTags: []string{"busybox:latest"},
		Config:   &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{Labels: map[string]string{"maintainer": "bb", "app": "image"}}},
	}
}

func create(t *testing.T, e *Engine, name string, labels map[string]string) string {
	t.Helper()
	id, _, err := e.CreateContainer(context.Background(), name, &container.Config{Image: "busybox", Labels: labels}, &container.HostConfig{NetworkMode: "bridge"}, nil)
	require.NoError(t, err)
	return id
}

func TestCreateAndLookup(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()))
	id := create(t, e, "k8s_POD_a_b_c_0", map[string]string{"app": "pod"})
	require.Len(t, id, 64)

	for _, ref := range []string{id, id[:12], "k8s_POD_a_b_c_0", "/k8s_POD_a_b_c_0"} {
		in, err := e.InspectContainer(ctx, ref)
		require.NoError(t, err, ref)
		assert.Equal(t, id, in.ID)
		assert.Equal(t, "/k8s_POD_a_b_c_0", in.Name)
		assert.Equal(t, container.StateCreated, in.State.Status)
		assert.Equal(t, busybox().ID, in.Image)
		assert.Equal(t, map[string]string{"maintainer": "bb", "app": "pod"}, in.Config.Labels, "image labels merged, container's win")
		assert.Equal(t, "json-file", in.HostConfig.LogConfig.Type)
		assert.Equal(t, ZeroTime, in.State.StartedAt)
	}
}

func TestCreateErrors(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()))
	create(t, e, "taken", nil)
	tests := []struct {
		name  string
		cname string
		image string
		want  error
	}{
		{"name conflict", "taken", "busybox", errdefs.ErrAlreadyExists},
		{"name conflict with slash", "/taken", "busybox", errdefs.ErrAlreadyExists},
		{"unknown image", "new", "alpine", errdefs.ErrNotFound},
		{"bad name", "a b", "busybox", errdefs.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.CreateContainer(ctx, tt.cname, &container.Config{Image: tt.image}, nil, nil)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	assert.Len(t, e.ContainerIDs(), 1, "failed creates leave nothing behind")
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()))
	id := create(t, e, "c1", nil)

	require.NoError(t, e.StartContainer(ctx, id))
	in, err := e.InspectContainer(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, container.StateRunning, in.State.Status)
	assert.True(t, in.State.Running)
	assert.NotEqual(t, ZeroTime, in.State.StartedAt)
	assert.NotEmpty(t, in.NetworkSettings.Networks["bridge"].IPAddress)
	assert.Equal(t, "/var/lib/docker/containers/"+id+"/"+id+"-json.log", in.LogPath)
	require.NoError(t, e.StartContainer(ctx, id), "starting a running container is a no-op")

	require.NoError(t, e.StopContainer(ctx, id, 0))
	in, err = e.InspectContainer(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, container.StateExited, in.State.Status)
	assert.False(t, in.State.Running)
	assert.Zero(t, in.State.ExitCode)
	assert.NotEqual(t, ZeroTime, in.State.FinishedAt)
	assert.Empty(t, in.NetworkSettings.Networks)
	require.NoError(t, e.StopContainer(ctx, id, 0), "stopping a stopped container is a no-op")

	require.NoError(t, e.SetExited(id, 137, true))
	in, err = e.InspectContainer(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 137, in.State.ExitCode)
	assert.True(t, in.State.OOMKilled)

	require.NoError(t, e.RemoveContainer(ctx, id))
	_, err = e.InspectContainer(ctx, id)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	assert.True(t, docker.IsNotFound(e.RemoveContainer(ctx, id)))
	assert.True(t, docker.IsNotFound(e.StartContainer(ctx, id)))
	assert.True(t, docker.IsNotFound(e.StopContainer(ctx, id, 0)))
	create(t, e, "c1", nil) // the name is free again
}

func TestInspectReturnsCopies(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()))
	id := create(t, e, "c1", map[string]string{"k": "v"})
	in, err := e.InspectContainer(ctx, id)
	require.NoError(t, err)
	in.Config.Labels["k"] = "changed"
	in.State.Status = "dead"
	again, err := e.InspectContainer(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "v", again.Config.Labels["k"])
	assert.Equal(t, container.StateCreated, again.State.Status)
}

func TestAmbiguousPrefix(t *testing.T) {
	e := New(WithImage(busybox()))
	create(t, e, "c1", nil)
	create(t, e, "c2", nil)
	_, err := e.InspectContainer(context.Background(), "")
	assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
	_, err = e.InspectContainer(context.Background(), "zz")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
}

func TestListContainersByLabel(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()))
	sb := create(t, e, "sb", map[string]string{"type": "podsandbox"})
	c1 := create(t, e, "c1", map[string]string{"type": "container", "sandbox": sb})
	create(t, e, "other", map[string]string{"type": "container", "sandbox": "else"})

	tests := []struct {
		name   string
		labels []string
		want   []string
	}{
		{"key=value", []string{"type=podsandbox"}, []string{sb}},
		{"two filters", []string{"type=container", "sandbox=" + sb}, []string{c1}},
		{"key only", []string{"sandbox"}, nil},
		{"no match", []string{"type=none"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := e.ListContainers(ctx, tt.labels...)
			require.NoError(t, err)
			var ids []string
			for _, s := range list {
				ids = append(ids, s.ID)
			}
			if tt.want == nil {
				if tt.name == "key only" {
					assert.Len(t, ids, 2)
				} else {
					assert.Empty(t, ids)
				}
				return
			}
			assert.Equal(t, tt.want, ids)
		})
	}
	all, err := e.ListContainers(ctx)
	require.NoError(t, err)
	require.Len(t, all, 3)
	for _, s := range all {
		require.Len(t, s.Names, 1)
		assert.Equal(t, "/", s.Names[0][:1])
		assert.Equal(t, container.StateCreated, s.State)
		assert.Equal(t, busybox().ID, s.ImageID)
	}
}

func TestFailNext(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()))
	id := create(t, e, "c1", nil)
	boom := errdefs.Wrap(errdefs.ErrUnavailable, errors.New("boom"))
	e.FailNext("StartContainer", boom)

	assert.ErrorIs(t, e.StartContainer(ctx, id), errdefs.ErrUnavailable)
	in, err := e.InspectContainer(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, container.StateCreated, in.State.Status, "a failed call changes nothing")

	require.NoError(t, e.StartContainer(ctx, id), "only the next call fails")
	assert.Equal(t, 2, e.Calls("StartContainer"))
	assert.Equal(t, 0, e.Calls("StopContainer"))
}

func TestContextErrors(t *testing.T) {
	e := New()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.Ping(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	ctx, cancel = context.WithTimeout(context.Background(), 0)
	defer cancel()
	assert.ErrorIs(t, e.Ping(ctx), errdefs.ErrDeadlineExceeded)
}

func TestUpdateContainer(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()))
	id, _, err := e.CreateContainer(ctx, "c1", &container.Config{Image: "busybox"},
		&container.HostConfig{Resources: container.Resources{CPUShares: 2, Memory: 100}}, nil)
	require.NoError(t, err)
	require.NoError(t, e.UpdateContainer(ctx, id, container.Resources{Memory: 200, CPUQuota: 5000}))
	in, err := e.InspectContainer(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, int64(2), in.HostConfig.CPUShares, "unset fields keep their value")
	assert.Equal(t, int64(200), in.HostConfig.Memory)
	assert.Equal(t, int64(5000), in.HostConfig.CPUQuota)
	assert.ErrorIs(t, e.UpdateContainer(ctx, "nope", container.Resources{}), errdefs.ErrNotFound)
}

func TestMountsFromBinds(t *testing.T) {
	ctx := context.Background()
	e := New(WithImage(busybox()))
	id, _, err := e.CreateContainer(ctx, "c1", &container.Config{Image: "busybox"},
		&container.HostConfig{Binds: []string{"/h:/c:ro,Z,rslave", "/a:/b"}}, nil)
	require.NoError(t, err)
	in, err := e.InspectContainer(ctx, id)
	require.NoError(t, err)
	require.Len(t, in.Mounts, 2)
	assert.Equal(t, container.MountPoint{Type: "bind", Source: "/h", Destination: "/c", Mode: "ro,Z,rslave", Propagation: "rslave"}, in.Mounts[0])
	assert.Equal(t, container.MountPoint{Type: "bind", Source: "/a", Destination: "/b", RW: true, Propagation: "rprivate"}, in.Mounts[1])
}

// TestContainerEventsFilter: replayed events are selected by label and by
// action, as Docker's own filters do.
func TestContainerEventsFilter(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := New(WithImage(busybox()))
	since := e.now()
	a := create(t, e, "ca", map[string]string{"k": "v"})
	create(t, e, "cb", nil)
	require.NoError(t, e.StartContainer(ctx, a))
	require.NoError(t, e.StopContainer(ctx, a, 0))

	tests := []struct {
		name string
		f    docker.EventFilter
		want []string
	}{
		{name: "label", f: docker.EventFilter{Labels: []string{"k=v"}}, want: []string{"create", "start", "die"}},
		{name: "label and actions", f: docker.EventFilter{Labels: []string{"k"}, Actions: []string{"create", "die"}}, want: []string{"create", "die"}},
		{name: "actions only", f: docker.EventFilter{Actions: []string{"create"}}, want: []string{"create", "create"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, _ := e.ContainerEvents(ctx, since, tt.f)
			var got []string
			for len(got) < len(tt.want) {
				got = append(got, (<-evs).Action)
			}
			assert.Equal(t, tt.want, got)
			select {
			case ev := <-evs:
				t.Fatalf("unexpected event %+v", ev)
			default:
			}
		})
	}
}
