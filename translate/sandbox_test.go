package translate

import (
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

func TestSandboxSpecDefaults(t *testing.T) {
	cfg := newSandboxConfig(withSandboxLabels(map[string]string{"app": "web"}, map[string]string{"seen": "now"}))
	spec, err := SandboxSpec(cfg, defaultSandboxOptions())
	require.NoError(t, err)

	assert.Equal(t, "k8s_POD_web_default_uid-1_2", spec.Name)
	assert.Equal(t, "pause:3.10", spec.Config.Image)
	assert.Equal(t, "web-0", spec.Config.Hostname)
	assert.Equal(t, map[string]string{"app": "web", "annotation.seen": "now", LabelType: TypeSandbox}, spec.Config.Labels)
	h := spec.HostConfig
	assert.Equal(t, container.NetworkMode("bridge"), h.NetworkMode)
	assert.Equal(t, container.IpcMode("shareable"), h.IpcMode, "containers join the sandbox's IPC namespace")
	assert.Equal(t, container.PidMode(""), h.PidMode)
	assert.Equal(t, container.UTSMode(""), h.UTSMode)
	assert.Equal(t, int64(2), h.CPUShares)
	assert.Equal(t, -998, h.OomScoreAdj)
	assert.Nil(t, h.PortBindings)
	assert.Nil(t, spec.Config.ExposedPorts)
	assert.Empty(t, spec.Warnings)
}

func TestSandboxSpecHostNetwork(t *testing.T) {
	cfg := newSandboxConfig(withHostNetwork(), withPortMappings(&runtimeapi.PortMapping{ContainerPort: 80, HostPort: 8080}))
	spec, err := SandboxSpec(cfg, defaultSandboxOptions())
	require.NoError(t, err)

	assert.Equal(t, container.NetworkMode("host"), spec.HostConfig.NetworkMode)
	assert.Equal(t, container.UTSMode("host"), spec.HostConfig.UTSMode)
	assert.Empty(t, spec.Config.Hostname, "a host-network sandbox has the node's hostname")
	assert.Nil(t, spec.HostConfig.PortBindings)
	assert.Nil(t, spec.Config.ExposedPorts)
}

func TestSandboxSpecNetworkModeNone(t *testing.T) {
	opts := defaultSandboxOptions()
	opts.NetworkMode = "none"
	spec, err := SandboxSpec(newSandboxConfig(), opts)
	require.NoError(t, err)
	assert.Equal(t, container.NetworkMode("none"), spec.HostConfig.NetworkMode)
	assert.Equal(t, "web-0", spec.Config.Hostname)
}

func TestSandboxSpecPortMappings(t *testing.T) {
	cfg := newSandboxConfig(withPortMappings(
		&runtimeapi.PortMapping{Protocol: runtimeapi.Protocol_TCP, ContainerPort: 80, HostPort: 8080, HostIp: "127.0.0.1"},
		&runtimeapi.PortMapping{Protocol: runtimeapi.Protocol_TCP, ContainerPort: 80, HostPort: 8081},
		&runtimeapi.PortMapping{Protocol: runtimeapi.Protocol_UDP, ContainerPort: 53},
		&runtimeapi.PortMapping{Protocol: runtimeapi.Protocol_SCTP, ContainerPort: 9000, HostPort: 9000},
	))
	spec, err := SandboxSpec(cfg, defaultSandboxOptions())
	require.NoError(t, err)

	assert.Equal(t, nat.PortSet{"80/tcp": {}, "53/udp": {}, "9000/sctp": {}}, spec.Config.ExposedPorts)
	assert.Equal(t, nat.PortMap{
		"80/tcp":    {{HostIP: "127.0.0.1", HostPort: "8080"}, {HostIP: "", HostPort: "8081"}},
		"9000/sctp": {{HostPort: "9000"}},
	}, spec.HostConfig.PortBindings, "a port without host_port is exposed but not published")
}

func TestSandboxSpecBadPortMappings(t *testing.T) {
	tests := []struct {
		name string
		pm   *runtimeapi.PortMapping
	}{
		{"container port zero", &runtimeapi.PortMapping{ContainerPort: 0, HostPort: 80}},
		{"container port too big", &runtimeapi.PortMapping{ContainerPort: 65536}},
		{"negative host port", &runtimeapi.PortMapping{ContainerPort: 80, HostPort: -1}},
		{"host port too big", &runtimeapi.PortMapping{ContainerPort: 80, HostPort: 70000}},
		{"unknown protocol", &runtimeapi.PortMapping{ContainerPort: 80, Protocol: runtimeapi.Protocol(42)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := SandboxSpec(newSandboxConfig(withPortMappings(tt.pm)), defaultSandboxOptions())
			assert.Nil(t, spec)
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}

func TestSandboxSpecDNSAndSysctls(t *testing.T) {
	cfg := newSandboxConfig(func(c *runtimeapi.PodSandboxConfig) {
		c.DnsConfig = &runtimeapi.DNSConfig{Servers: []string{"10.96.0.10"}, Searches: []string{"default.svc.cluster.local", "svc.cluster.local"}, Options: []string{"ndots:5"}}
	}, withSandboxLinux(func(l *runtimeapi.LinuxPodSandboxConfig) {
		l.Sysctls = map[string]string{"net.ipv4.ip_unprivileged_port_start": "0", "kernel.shm_rmid_forced": "1"}
	}))
	spec, err := SandboxSpec(cfg, defaultSandboxOptions())
	require.NoError(t, err)
	assert.Equal(t, []string{"10.96.0.10"}, spec.HostConfig.DNS)
	assert.Equal(t, []string{"default.svc.cluster.local", "svc.cluster.local"}, spec.HostConfig.DNSSearch)
	assert.Equal(t, []string{"ndots:5"}, spec.HostConfig.DNSOptions)
	assert.Equal(t, map[string]string{"net.ipv4.ip_unprivileged_port_start": "0", "kernel.shm_rmid_forced": "1"}, spec.HostConfig.Sysctls)
}

func TestSandboxSpecNamespaces(t *testing.T) {
	tests := []struct {
		name     string
		pid, ipc runtimeapi.NamespaceMode
		wantPid  container.PidMode
		wantIpc  container.IpcMode
	}{
		{"pod pid and ipc", runtimeapi.NamespaceMode_POD, runtimeapi.NamespaceMode_POD, "", "shareable"},
		{"container pid", runtimeapi.NamespaceMode_CONTAINER, runtimeapi.NamespaceMode_POD, "", "shareable"},
		{"host pid", runtimeapi.NamespaceMode_NODE, runtimeapi.NamespaceMode_POD, "host", "shareable"},
		{"host ipc", runtimeapi.NamespaceMode_CONTAINER, runtimeapi.NamespaceMode_NODE, "", "host"},
		{"host pid and ipc", runtimeapi.NamespaceMode_NODE, runtimeapi.NamespaceMode_NODE, "host", "host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := newSandboxConfig(withPodNamespaces(runtimeapi.NamespaceMode_POD, tt.pid, tt.ipc))
			spec, err := SandboxSpec(cfg, defaultSandboxOptions())
			require.NoError(t, err)
			assert.Equal(t, tt.wantPid, spec.HostConfig.PidMode)
			assert.Equal(t, tt.wantIpc, spec.HostConfig.IpcMode)
			assert.Equal(t, container.NetworkMode("bridge"), spec.HostConfig.NetworkMode)
		})
	}
}

func TestSandboxSpecOOMScoreClamped(t *testing.T) {
	tests := []struct {
		name   string
		minOOM int
		want   int
	}{
		{"full range", -1000, -998},
		{"floor above default", -500, -500},
		{"unprivileged floor", 0, 0},
		{"floor exactly default", -998, -998},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultSandboxOptions()
			opts.Host.MinOOMScoreAdj = tt.minOOM
			spec, err := SandboxSpec(newSandboxConfig(), opts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, spec.HostConfig.OomScoreAdj)
		})
	}
}

func TestSandboxSpecCgroupParent(t *testing.T) {
	opts := defaultSandboxOptions()
	opts.Host.CgroupDriver = "systemd"
	spec, err := SandboxSpec(newSandboxConfig(withCgroupParent("/kubepods/besteffort/pod1")), opts)
	require.NoError(t, err)
	assert.Equal(t, "kubepods-besteffort-pod1.slice", spec.HostConfig.CgroupParent)
}

func TestSandboxSpecNilLinux(t *testing.T) {
	spec, err := SandboxSpec(newSandboxConfig(withoutSandboxLinux()), defaultSandboxOptions())
	require.NoError(t, err)
	assert.Equal(t, []string{"seccomp=unconfined"}, spec.HostConfig.SecurityOpt)
	assert.Equal(t, container.IpcMode("shareable"), spec.HostConfig.IpcMode)
	assert.Equal(t, container.NetworkMode("bridge"), spec.HostConfig.NetworkMode)
	assert.Empty(t, spec.HostConfig.CgroupParent)
	assert.Empty(t, spec.Config.User)
	assert.False(t, spec.HostConfig.Privileged)
}

func TestSandboxSpecRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  *runtimeapi.PodSandboxConfig
	}{
		{"nil config", nil},
		{"nil metadata", newSandboxConfig(func(c *runtimeapi.PodSandboxConfig) { c.Metadata = nil })},
		{"underscore in name", newSandboxConfig(withSandboxMeta("a_b", "default", "u", 0))},
		{"empty namespace", newSandboxConfig(withSandboxMeta("web", "", "u", 0))},
		{"user namespace", newSandboxConfig(withSandboxSecurity(func(sc *runtimeapi.LinuxSandboxSecurityContext) {
			sc.NamespaceOptions = &runtimeapi.NamespaceOption{UsernsOptions: &runtimeapi.UserNamespace{
				Mode: runtimeapi.NamespaceMode_POD,
				Uids: []*runtimeapi.IDMapping{{HostId: 100000, ContainerId: 0, Length: 65536}},
			}}
		}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := SandboxSpec(tt.cfg, defaultSandboxOptions())
			assert.Nil(t, spec)
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}
