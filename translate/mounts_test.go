package translate

import (
	"testing"

	"github.com/docker/docker/api/types/container"
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

func TestBinds(t *testing.T) {
	tests := []struct {
		name string
		m    *runtimeapi.Mount
		want string
	}{
		{"defaults rw rprivate", newMount(), "/var/lib/kubelet/pods/u/volumes/data:/data:rw,rprivate"},
		{"readonly", newMount(func(m *runtimeapi.Mount) { m.Readonly = true }), "/var/lib/kubelet/pods/u/volumes/data:/data:ro,rprivate"},
		{"selinux relabel", newMount(func(m *runtimeapi.Mount) { m.SelinuxRelabel = true }), "/var/lib/kubelet/pods/u/volumes/data:/data:rw,Z,rprivate"},
		{"host to container", newMount(func(m *runtimeapi.Mount) {
			m.Propagation = runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER
		}), "/var/lib/kubelet/pods/u/volumes/data:/data:rw,rslave"},
		{"bidirectional ro Z", newMount(func(m *runtimeapi.Mount) {
			m.Propagation = runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL
			m.Readonly, m.SelinuxRelabel = true, true
		}), "/var/lib/kubelet/pods/u/volumes/data:/data:ro,Z,rshared"},
		{"paths cleaned", newMount(func(m *runtimeapi.Mount) { m.HostPath, m.ContainerPath = "/a//b/../c/", "/x/./y/" }), "/a/c:/x/y:rw,rprivate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Binds([]*runtimeapi.Mount{tt.m})
			require.NoError(t, err)
			assert.Equal(t, []string{tt.want}, got)
		})
	}
}

func TestBindsEmpty(t *testing.T) {
	got, err := Binds(nil)
	require.NoError(t, err)
	assert.Nil(t, got)
}

func TestBindsRejects(t *testing.T) {
	tests := []struct {
		name string
		m    *runtimeapi.Mount
	}{
		{"relative host path", newMount(func(m *runtimeapi.Mount) { m.HostPath = "data" })},
		{"empty host path", newMount(func(m *runtimeapi.Mount) { m.HostPath = "" })},
		{"relative container path", newMount(func(m *runtimeapi.Mount) { m.ContainerPath = "data" })},
		{"image mount", newMount(func(m *runtimeapi.Mount) { m.Image = &runtimeapi.ImageSpec{Image: "busybox"} })},
		{"colon in host path", newMount(func(m *runtimeapi.Mount) { m.HostPath = "/a:b" })},
		{"colon in container path", newMount(func(m *runtimeapi.Mount) { m.ContainerPath = "/c:d" })},
		{"recursive read only", newMount(func(m *runtimeapi.Mount) { m.Readonly, m.RecursiveReadOnly = true, true })},
		{"id mapped", newMount(func(m *runtimeapi.Mount) { m.UidMappings = []*runtimeapi.IDMapping{{HostId: 1000, Length: 1}} })},
		{"unknown propagation", newMount(func(m *runtimeapi.Mount) { m.Propagation = runtimeapi.MountPropagation(7) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Binds([]*runtimeapi.Mount{newMount(), tt.m})
			assert.Nil(t, got)
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)

			spec, err := ContainerSpec(newContainerConfig(withMounts(tt.m)), newSandboxConfig(), defaultContainerOptions())
			assert.Nil(t, spec)
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}

func TestContainerSpecBinds(t *testing.T) {
	spec, err := ContainerSpec(newContainerConfig(withMounts(
		newMount(),
		newMount(func(m *runtimeapi.Mount) { m.HostPath, m.ContainerPath, m.Readonly = "/etc/hosts", "/etc/hosts", true }),
	)), newSandboxConfig(), defaultContainerOptions())
	require.NoError(t, err)
	assert.Equal(t, []string{"/var/lib/kubelet/pods/u/volumes/data:/data:rw,rprivate", "/etc/hosts:/etc/hosts:ro,rprivate"}, spec.HostConfig.Binds)
}

func TestMountsFromInspect(t *testing.T) {
	got := MountsFromInspect([]container.MountPoint{
		{Type: "bind", Source: "/host/a", Destination: "/a", RW: true, Propagation: "rprivate"},
		{Type: "bind", Source: "/host/b", Destination: "/b", RW: false, Mode: "ro,Z", Propagation: "rslave"},
		{Type: "bind", Source: "/host/c", Destination: "/c", RW: true, Mode: "z", Propagation: "shared"},
		{Type: "volume", Name: "anon", Source: "/var/lib/docker/volumes/anon", Destination: "/v", RW: true},
	})
	assert.Equal(t, []*runtimeapi.Mount{
		{HostPath: "/host/a", ContainerPath: "/a", Propagation: runtimeapi.MountPropagation_PROPAGATION_PRIVATE},
		{HostPath: "/host/b", ContainerPath: "/b", Readonly: true, SelinuxRelabel: true, Propagation: runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER},
		{HostPath: "/host/c", ContainerPath: "/c", SelinuxRelabel: true, Propagation: runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL},
	}, got, "only bind mounts are reported")
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
