package translate

import (
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

type mountOpt func(*runtimeapi.Mount)

func newMount(opts ...mountOpt) *runtimeapi.Mount {
	m := &runtimeapi.Mount{HostPath: "/var/lib/kubelet/pods/u/volumes/data", ContainerPath: "/data"}
	for _, o := range opts {
		o(m)
	}
	return m
}

func readonly(m *runtimeapi.Mount) { m.Readonly = true }

func recursiveRO(m *runtimeapi.Mount) { m.Readonly, m.RecursiveReadOnly = true, true }

// Engines as EngineFeaturesOf decides them.
var (
	engine2010 = EngineFeatures{Version: "20.10.24", APIVersion: "1.41", DefaultRuntime: "runc", RecursiveReadOnly: map[string]bool{}}
	engine29   = EngineFeatures{
		Version: "29.8.1", APIVersion: "1.51", DefaultRuntime: "runc", ContainerdStore: true,
		CDI: true, RecursiveReadOnly: map[string]bool{"runc": true},
	}
	engine29NoRRO = EngineFeatures{Version: "29.8.1", APIVersion: "1.51", DefaultRuntime: "runc", RecursiveReadOnly: map[string]bool{}}
)

func TestMountsBindStrings(t *testing.T) {
	tests := []struct {
		name string
		m    *runtimeapi.Mount
		want string
	}{
		{"defaults rw, propagation left to Docker", newMount(), "/var/lib/kubelet/pods/u/volumes/data:/data:rw"},
		{"readonly", newMount(readonly), "/var/lib/kubelet/pods/u/volumes/data:/data:ro"},
		{"selinux relabel", newMount(func(m *runtimeapi.Mount) { m.SelinuxRelabel = true }), "/var/lib/kubelet/pods/u/volumes/data:/data:rw,Z"},
		{"host to container", newMount(func(m *runtimeapi.Mount) {
			m.Propagation = runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER
		}), "/var/lib/kubelet/pods/u/volumes/data:/data:rw,rslave"},
		{"bidirectional ro Z", newMount(func(m *runtimeapi.Mount) {
			m.Propagation = runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL
			m.Readonly, m.SelinuxRelabel = true, true
		}), "/var/lib/kubelet/pods/u/volumes/data:/data:ro,Z,rshared"},
		{"paths cleaned", newMount(func(m *runtimeapi.Mount) { m.HostPath, m.ContainerPath = "/a//b/../c/", "/x/./y/" }), "/a/c:/x/y:rw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// API 1.41: a read-only bind string is non-recursive already.
			got, err := Mounts([]*runtimeapi.Mount{tt.m}, MountTarget{Engine: engine2010})
			require.NoError(t, err)
			assert.Equal(t, []string{tt.want}, got.Binds)
			assert.Empty(t, got.Mounts)
		})
	}
}

// TestMountsReadOnlyNonRecursive: from API 1.44 Docker makes a read-only
// bind string recursively read-only, so CRI's `readonly` (the mount only)
// goes through the mount API with ReadOnlyNonRecursive.
func TestMountsReadOnlyNonRecursive(t *testing.T) {
	got, err := Mounts([]*runtimeapi.Mount{
		newMount(),
		newMount(readonly, func(m *runtimeapi.Mount) {
			m.HostPath, m.ContainerPath = "/h/ro", "/ro"
			m.Propagation = runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER
		}),
	}, MountTarget{Engine: engine29})
	require.NoError(t, err)
	assert.Equal(t, []string{"/var/lib/kubelet/pods/u/volumes/data:/data:rw"}, got.Binds, "read-write binds keep the bind form")
	assert.Equal(t, []mount.Mount{{
		Type: mount.TypeBind, Source: "/h/ro", Target: "/ro", ReadOnly: true,
		BindOptions: &mount.BindOptions{Propagation: mount.PropagationRSlave, CreateMountpoint: true, ReadOnlyNonRecursive: true},
	}}, got.Mounts)
	assert.Empty(t, got.Warnings)
}

func TestMountsReadOnlySELinuxWarns(t *testing.T) {
	got, err := Mounts([]*runtimeapi.Mount{newMount(readonly, func(m *runtimeapi.Mount) { m.SelinuxRelabel = true })}, MountTarget{Engine: engine29})
	require.NoError(t, err)
	assert.Equal(t, []string{"/var/lib/kubelet/pods/u/volumes/data:/data:ro,Z"}, got.Binds)
	require.Len(t, got.Warnings, 1)
	assert.Contains(t, got.Warnings[0], "recursively read-only on Docker Engine 29.8.1")
}

func TestMountsRecursiveReadOnly(t *testing.T) {
	got, err := Mounts([]*runtimeapi.Mount{newMount(recursiveRO)}, MountTarget{Engine: engine29, Runtime: "runc"})
	require.NoError(t, err)
	assert.Empty(t, got.Binds)
	assert.Equal(t, []mount.Mount{{
		Type: mount.TypeBind, Source: "/var/lib/kubelet/pods/u/volumes/data", Target: "/data", ReadOnly: true,
		BindOptions: &mount.BindOptions{Propagation: mount.PropagationRPrivate, CreateMountpoint: true, ReadOnlyForceRecursive: true},
	}}, got.Mounts)

	// The default handler ("") is the engine's default runtime.
	_, err = Mounts([]*runtimeapi.Mount{newMount(recursiveRO)}, MountTarget{Engine: engine29})
	require.NoError(t, err)
}

func TestMountsRecursiveReadOnlyRefused(t *testing.T) {
	tests := []struct {
		name    string
		m       *runtimeapi.Mount
		to      MountTarget
		code    error
		message string
	}{
		{"old engine", newMount(recursiveRO), MountTarget{Engine: engine2010}, errdefs.ErrFailedPrecondition, "need Docker Engine API 1.44 (Docker 25.0) or newer; this is Docker Engine 20.10.24 (API 1.41)"},
		{"runtime without rro", newMount(recursiveRO), MountTarget{Engine: engine29NoRRO}, errdefs.ErrFailedPrecondition, `runtime "runc" of Docker Engine 29.8.1 (API 1.51) does not support`},
		{"other runtime", newMount(recursiveRO), MountTarget{Engine: engine29, Runtime: "crun"}, errdefs.ErrFailedPrecondition, `runtime "crun"`},
		{"not readonly", newMount(func(m *runtimeapi.Mount) { m.RecursiveReadOnly = true }), MountTarget{Engine: engine29}, errdefs.ErrInvalidArgument, "needs readonly"},
		{"not private", newMount(recursiveRO, func(m *runtimeapi.Mount) {
			m.Propagation = runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER
		}), MountTarget{Engine: engine29}, errdefs.ErrInvalidArgument, "needs private propagation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Mounts([]*runtimeapi.Mount{newMount(), tt.m}, tt.to)
			assert.ErrorIs(t, err, tt.code)
			assert.ErrorContains(t, err, tt.message)
		})
	}
}

func TestMountsImageVolume(t *testing.T) {
	img := func(sub string) *runtimeapi.Mount {
		return &runtimeapi.Mount{ContainerPath: "/vol/", Readonly: true, Image: &runtimeapi.ImageSpec{Image: "sha256:abc"}, ImageSubPath: sub}
	}
	got, err := Mounts([]*runtimeapi.Mount{img(""), img("etc/config/")}, MountTarget{Engine: engine29})
	require.NoError(t, err)
	assert.Equal(t, []mount.Mount{
		{Type: mount.TypeImage, Source: "sha256:abc", Target: "/vol", ReadOnly: true},
		{Type: mount.TypeImage, Source: "sha256:abc", Target: "/vol", ReadOnly: true, ImageOptions: &mount.ImageOptions{Subpath: "etc/config"}},
	}, got.Mounts)

	_, err = Mounts([]*runtimeapi.Mount{img("")}, MountTarget{Engine: engine2010})
	assert.ErrorIs(t, err, errdefs.ErrFailedPrecondition)
	assert.ErrorContains(t, err, "image volumes need Docker Engine API 1.48 (Docker 28.0) or newer; this is Docker Engine 20.10.24 (API 1.41)")

	for _, bad := range []string{"/etc", "../x", "a/../../b", "a\x00b"} {
		_, err = Mounts([]*runtimeapi.Mount{img(bad)}, MountTarget{Engine: engine29})
		assert.ErrorIs(t, err, errdefs.ErrInvalidArgument, bad)
	}
}

func TestMountsEmpty(t *testing.T) {
	got, err := Mounts(nil, MountTarget{Engine: engine29})
	require.NoError(t, err)
	assert.Equal(t, MountSet{}, got)
}

func TestMountsRejects(t *testing.T) {
	tests := []struct {
		name string
		m    *runtimeapi.Mount
	}{
		{"relative host path", newMount(func(m *runtimeapi.Mount) { m.HostPath = "data" })},
		{"empty host path", newMount(func(m *runtimeapi.Mount) { m.HostPath = "" })},
		{"relative container path", newMount(func(m *runtimeapi.Mount) { m.ContainerPath = "data" })},
		{"colon in host path", newMount(func(m *runtimeapi.Mount) { m.HostPath = "/a:b" })},
		{"colon in container path", newMount(func(m *runtimeapi.Mount) { m.ContainerPath = "/c:d" })},
		{"id mapped", newMount(func(m *runtimeapi.Mount) { m.UidMappings = []*runtimeapi.IDMapping{{HostId: 1000, Length: 1}} })},
		{"unknown propagation", newMount(func(m *runtimeapi.Mount) { m.Propagation = runtimeapi.MountPropagation(7) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, eng := range []EngineFeatures{engine2010, engine29} {
				got, err := Mounts([]*runtimeapi.Mount{newMount(), tt.m}, MountTarget{Engine: eng})
				assert.Equal(t, MountSet{}, got)
				assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)

				opts := defaultContainerOptions()
				opts.Host.Engine = eng
				spec, err := ContainerSpec(newContainerConfig(withMounts(tt.m)), newSandboxConfig(), opts)
				assert.Nil(t, spec)
				assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
			}
		})
	}
}

func TestContainerSpecMounts(t *testing.T) {
	opts := defaultContainerOptions()
	opts.Host.Engine, opts.Runtime = engine29, "runc"
	spec, err := ContainerSpec(newContainerConfig(withMounts(
		newMount(),
		newMount(func(m *runtimeapi.Mount) { m.HostPath, m.ContainerPath, m.Readonly = "/etc/hosts", "/etc/hosts", true }),
	)), newSandboxConfig(), opts)
	require.NoError(t, err)
	assert.Equal(t, "runc", spec.HostConfig.Runtime)
	assert.Equal(t, []string{"/var/lib/kubelet/pods/u/volumes/data:/data:rw"}, spec.HostConfig.Binds)
	require.Len(t, spec.HostConfig.Mounts, 1)
	assert.Equal(t, "/etc/hosts", spec.HostConfig.Mounts[0].Target)
	assert.True(t, spec.HostConfig.Mounts[0].BindOptions.ReadOnlyNonRecursive)
}

func TestContainerSpecCDI(t *testing.T) {
	cdi := func(names ...string) containerOpt {
		return func(c *runtimeapi.ContainerConfig) {
			for _, n := range names {
				c.CDIDevices = append(c.CDIDevices, &runtimeapi.CDIDevice{Name: n})
			}
		}
	}
	opts := defaultContainerOptions()
	opts.Host.Engine = engine29
	spec, err := ContainerSpec(newContainerConfig(cdi("vendor.com/gpu=0", "example.com/dev=all")), newSandboxConfig(), opts)
	require.NoError(t, err)
	assert.Equal(t, []container.DeviceRequest{{Driver: "cdi", DeviceIDs: []string{"vendor.com/gpu=0", "example.com/dev=all"}}}, spec.HostConfig.DeviceRequests)

	for _, bad := range []string{"gpu0", "vendor.com/gpu", "vendor.com=0", "/gpu=0", "vendor.com/gpu=", "a/b=c,d"} {
		_, err := ContainerSpec(newContainerConfig(cdi(bad)), newSandboxConfig(), opts)
		assert.ErrorIs(t, err, errdefs.ErrInvalidArgument, bad)
	}

	opts.Host.Engine = engine2010
	_, err = ContainerSpec(newContainerConfig(cdi("vendor.com/gpu=0")), newSandboxConfig(), opts)
	assert.ErrorIs(t, err, errdefs.ErrFailedPrecondition)
	assert.ErrorContains(t, err, "this is Docker Engine 20.10.24 (API 1.41)")
}

func TestMountsFromInspect(t *testing.T) {
	got := MountsFromInspect([]container.MountPoint{
		{Type: "bind", Source: "/host/a", Destination: "/a", RW: true, Propagation: "rprivate"},
		{Type: "bind", Source: "/host/b", Destination: "/b", RW: false, Mode: "ro,Z", Propagation: "rslave"},
		{Type: "bind", Source: "/host/c", Destination: "/c", RW: true, Mode: "z", Propagation: "shared"},
		{Type: "volume", Name: "anon", Source: "/var/lib/docker/volumes/anon", Destination: "/v", RW: true},
		{Type: "image", Source: "sha256:abc", Destination: "/img"},
	})
	assert.Equal(t, []*runtimeapi.Mount{
		{HostPath: "/host/a", ContainerPath: "/a", Propagation: runtimeapi.MountPropagation_PROPAGATION_PRIVATE},
		{HostPath: "/host/b", ContainerPath: "/b", Readonly: true, SelinuxRelabel: true, Propagation: runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER},
		{HostPath: "/host/c", ContainerPath: "/c", SelinuxRelabel: true, Propagation: runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL},
		{ContainerPath: "/img", Readonly: true, Image: &runtimeapi.ImageSpec{Image: "sha256:abc"}},
	}, got, "bind and image mounts are reported, volumes are not")
}

func TestContainerSpecDevices(t *testing.T) {
	spec, err := ContainerSpec(newContainerConfig(withDevices(
		&runtimeapi.Device{HostPath: "/dev/fuse", ContainerPath: "/dev/fuse"},
		&runtimeapi.Device{HostPath: "/dev/nvidia0", ContainerPath: "/dev/gpu", Permissions: "rw"},
	)), newSandboxConfig(), defaultContainerOptions())
	require.NoError(t, err)
	assert.Equal(t, []container.DeviceMapping{
		{PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm"},
		{PathOnHost: "/dev/nvidia0", PathInContainer: "/dev/gpu", CgroupPermissions: "rw"},
	}, spec.HostConfig.Devices)
}

func TestContainerSpecBadDevices(t *testing.T) {
	tests := []struct {
		name string
		d    *runtimeapi.Device
	}{
		{"relative host path", &runtimeapi.Device{HostPath: "dev/fuse", ContainerPath: "/dev/fuse"}},
		{"relative container path", &runtimeapi.Device{HostPath: "/dev/fuse", ContainerPath: "fuse"}},
		{"bad permission letter", &runtimeapi.Device{HostPath: "/dev/fuse", ContainerPath: "/dev/fuse", Permissions: "rwx"}},
		{"bad letter in the middle", &runtimeapi.Device{HostPath: "/dev/fuse", ContainerPath: "/dev/fuse", Permissions: "rxm"}},
		{"uppercase", &runtimeapi.Device{HostPath: "/dev/fuse", ContainerPath: "/dev/fuse", Permissions: "RW"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := ContainerSpec(newContainerConfig(withDevices(tt.d)), newSandboxConfig(), defaultContainerOptions())
			assert.Nil(t, spec)
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}
