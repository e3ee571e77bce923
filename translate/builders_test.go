package translate

import (
	"github.com/docker/docker/api/types/container"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Test builders: a valid default object, changed by functional options.

const testSandboxID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

type sandboxOpt func(*runtimeapi.PodSandboxConfig)

func newSandboxConfig(opts ...sandboxOpt) *runtimeapi.PodSandboxConfig {
	cfg := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "uid-1", Attempt: 2},
		Hostname:     "web-0",
		LogDirectory: "/var/log/pods/default_web_uid-1",
		Linux:        &runtimeapi.LinuxPodSandboxConfig{SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{}},
	}
	for _, o := range opts {
		o(cfg)
	}
	return cfg
}

func withSandboxMeta(name, ns, uid string, attempt uint32) sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) {
		c.Metadata = &runtimeapi.PodSandboxMetadata{Name: name, Namespace: ns, Uid: uid, Attempt: attempt}
	}
}

func withoutSandboxLinux() sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) { c.Linux = nil }
}

func withSandboxLinux(f func(*runtimeapi.LinuxPodSandboxConfig)) sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) {
		if c.Linux == nil {
			c.Linux = &runtimeapi.LinuxPodSandboxConfig{}
		}
		f(c.Linux)
	}
}

func withSandboxSecurity(f func(*runtimeapi.LinuxSandboxSecurityContext)) sandboxOpt {
	return withSandboxLinux(func(l *runtimeapi.LinuxPodSandboxConfig) {
		if l.SecurityContext == nil {
			l.SecurityContext = &runtimeapi.LinuxSandboxSecurityContext{}
		}
		f(l.SecurityContext)
	})
}

func withPodNamespaces(network, pid, ipc runtimeapi.NamespaceMode) sandboxOpt {
	return withSandboxSecurity(func(sc *runtimeapi.LinuxSandboxSecurityContext) {
		sc.NamespaceOptions = &runtimeapi.NamespaceOption{Network: network, Pid: pid, Ipc: ipc}
	})
}

func withHostNetwork() sandboxOpt {
	return withPodNamespaces(runtimeapi.NamespaceMode_NODE, runtimeapi.NamespaceMode_CONTAINER, runtimeapi.NamespaceMode_POD)
}

func withPortMappings(pms ...*runtimeapi.PortMapping) sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) { c.PortMappings = pms }
}

func withCgroupParent(p string) sandboxOpt {
	return withSandboxLinux(func(l *runtimeapi.LinuxPodSandboxConfig) { l.CgroupParent = p })
}

func withSandboxLabels(labels, annotations map[string]string) sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) { c.Labels, c.Annotations = labels, annotations }
}

type containerOpt func(*runtimeapi.ContainerConfig)

func newContainerConfig(opts ...containerOpt) *runtimeapi.ContainerConfig {
	cfg := &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "app", Attempt: 1},
		Image:    &runtimeapi.ImageSpec{Image: "busybox:latest"},
		LogPath:  "app/1.log",
		Linux:    &runtimeapi.LinuxContainerConfig{SecurityContext: &runtimeapi.LinuxContainerSecurityContext{}},
	}
	for _, o := range opts {
		o(cfg)
	}
	return cfg
}

func withContainerMeta(name string, attempt uint32) containerOpt {
	return func(c *runtimeapi.ContainerConfig) {
		c.Metadata = &runtimeapi.ContainerMetadata{Name: name, Attempt: attempt}
	}
}

func withoutContainerLinux() containerOpt {
	return func(c *runtimeapi.ContainerConfig) { c.Linux = nil }
}

func withContainerSecurity(f func(*runtimeapi.LinuxContainerSecurityContext)) containerOpt {
	return func(c *runtimeapi.ContainerConfig) {
		if c.Linux == nil {
			c.Linux = &runtimeapi.LinuxContainerConfig{}
		}
		if c.Linux.SecurityContext == nil {
			c.Linux.SecurityContext = &runtimeapi.LinuxContainerSecurityContext{}
		}
		f(c.Linux.SecurityContext)
	}
}

func withContainerPid(mode runtimeapi.NamespaceMode, target string) containerOpt {
	return withContainerSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
		sc.NamespaceOptions = &runtimeapi.NamespaceOption{Pid: mode, TargetId: target}
	})
}

func withResources(r *runtimeapi.LinuxContainerResources) containerOpt {
	return func(c *runtimeapi.ContainerConfig) {
		if c.Linux == nil {
			c.Linux = &runtimeapi.LinuxContainerConfig{}
		}
		c.Linux.Resources = r
	}
}

func withMounts(ms ...*runtimeapi.Mount) containerOpt {
	return func(c *runtimeapi.ContainerConfig) { c.Mounts = ms }
}

func withDevices(ds ...*runtimeapi.Device) containerOpt {
	return func(c *runtimeapi.ContainerConfig) { c.Devices = ds }
}

func defaultContainerOptions() ContainerOptions {
	return ContainerOptions{SandboxID: testSandboxID, Host: HostLimits{CgroupDriver: "cgroupfs", MinOOMScoreAdj: -1000}}
}

func defaultSandboxOptions() SandboxOptions {
	return SandboxOptions{Image: "pause:3.10", NetworkMode: "bridge", Host: HostLimits{CgroupDriver: "cgroupfs", MinOOMScoreAdj: -1000}}
}

type inspectOpt func(*container.InspectResponse)

// newInspect is the inspect data of a running sandbox container.
func newInspect(opts ...inspectOpt) *container.InspectResponse {
	in := &container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{
			ID:         testSandboxID,
			Name:       "/k8s_POD_web_default_uid-1_2",
			Created:    "2024-05-01T10:00:00.5Z",
			Image:      "sha256:feed",
			State:      &container.State{Status: "running", Running: true, StartedAt: "2024-05-01T10:00:01Z", FinishedAt: "0001-01-01T00:00:00Z"},
			HostConfig: &container.HostConfig{NetworkMode: "bridge", IpcMode: "shareable"},
		},
		Config: &container.Config{Image: "pause:3.10", Labels: map[string]string{LabelType: TypeSandbox}},
	}
	for _, o := range opts {
		o(in)
	}
	return in
}

func withName(name string) inspectOpt {
	return func(in *container.InspectResponse) { in.Name = name }
}

func withState(st container.State) inspectOpt {
	return func(in *container.InspectResponse) { in.State = &st }
}

func withLabels(l map[string]string) inspectOpt {
	return func(in *container.InspectResponse) { in.Config.Labels = l }
}

func withHostConfig(f func(*container.HostConfig)) inspectOpt {
	return func(in *container.InspectResponse) { f(in.HostConfig) }
}
