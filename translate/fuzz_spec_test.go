package translate

import (
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func FuzzSandboxSpec(f *testing.F) {
	f.Add("web", "default", "uid-1", uint32(0), "web-0", "/kubepods/pod1", "net.core.somaxconn", "1024", "", int32(80), int32(8080), int32(0), int32(0), false)
	f.Add("a_b", "", "u", uint32(9), "", "kubepods.slice", "", "", "localhost//p.json", int32(0), int32(-1), int32(7), int32(2), true)
	f.Add("web", "ns", "u", uint32(1), "h", "", "k", "v", "/p.json", int32(70000), int32(1), int32(2), int32(3), false)
	f.Fuzz(func(t *testing.T, name, ns, uid string, attempt uint32, hostname, cgroup, sysctlK, sysctlV, seccompRef string,
		cport, hport, proto, pid int32, hostNet bool) {
		netMode := runtimeapi.NamespaceMode_POD
		if hostNet {
			netMode = runtimeapi.NamespaceMode_NODE
		}
		cfg := newSandboxConfig(
			withSandboxMeta(name, ns, uid, attempt),
			withCgroupParent(cgroup),
			withPortMappings(&runtimeapi.PortMapping{ContainerPort: cport, HostPort: hport, Protocol: runtimeapi.Protocol(proto)}),
			withPodNamespaces(netMode, runtimeapi.NamespaceMode(pid), runtimeapi.NamespaceMode_POD),
			withSandboxLinux(func(l *runtimeapi.LinuxPodSandboxConfig) { l.Sysctls = map[string]string{sysctlK: sysctlV} }),
			withSandboxSecurity(func(sc *runtimeapi.LinuxSandboxSecurityContext) {
				if seccompRef != "" {
					sc.Seccomp = &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: seccompRef}
				}
			}),
			func(c *runtimeapi.PodSandboxConfig) { c.Hostname = hostname },
		)
		opts := defaultSandboxOptions()
		opts.Seccomp = map[string][]byte{"/p.json": []byte("{}")}
		spec, err := SandboxSpec(cfg, opts)
		if err != nil {
			requireClassified(t, err)
			return
		}
		meta, err := ParseSandboxName(spec.Name)
		if err != nil {
			t.Fatalf("spec name %q does not parse: %v", spec.Name, err)
		}
		if meta.Name != name || meta.Namespace != ns || meta.Uid != uid || meta.Attempt != attempt {
			t.Fatalf("spec name %q parses to %v", spec.Name, meta)
		}
		if hostNet && (spec.HostConfig.NetworkMode != "host" || spec.HostConfig.PortBindings != nil) {
			t.Fatalf("host network sandbox got %q and %v", spec.HostConfig.NetworkMode, spec.HostConfig.PortBindings)
		}
	})
}

func FuzzContainerSpec(f *testing.F) {
	f.Add("app", uint32(1), "busybox", "/host", "/ctr", "KEY", "rwm", "pids.max", "10", "NET_ADMIN", int32(0), int32(0), false)
	f.Add("POD", uint32(0), "", "rel", "c", "", "x", "cpu.weight", "0", "", int32(3), int32(9), true)
	f.Add("app", uint32(2), "img", "/a:b", "/c", "K", "", "memory.high", "max", "SYS_ADMIN", int32(2), int32(1), false)
	f.Fuzz(func(t *testing.T, name string, attempt uint32, image, hostPath, ctrPath, envKey, devPerm, unifiedK, unifiedV, capAdd string,
		pid, propagation int32, noLinux bool) {
		cfg := newContainerConfig(
			withContainerMeta(name, attempt),
			func(c *runtimeapi.ContainerConfig) {
				c.Image = &runtimeapi.ImageSpec{Image: image}
				c.Envs = []*runtimeapi.KeyValue{{Key: envKey, Value: []byte("v")}}
			},
			withMounts(&runtimeapi.Mount{HostPath: hostPath, ContainerPath: ctrPath, Propagation: runtimeapi.MountPropagation(propagation)}),
			withDevices(&runtimeapi.Device{HostPath: "/dev/null", ContainerPath: "/dev/null", Permissions: devPerm}),
			withResources(&runtimeapi.LinuxContainerResources{Unified: map[string]string{unifiedK: unifiedV}}),
			withContainerSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
				sc.Capabilities = &runtimeapi.Capability{AddCapabilities: []string{capAdd}}
				sc.NamespaceOptions = &runtimeapi.NamespaceOption{Pid: runtimeapi.NamespaceMode(pid), TargetId: "t"}
			}),
		)
		if noLinux {
			cfg.Linux = nil
		}
		spec, err := ContainerSpec(cfg, newSandboxConfig(), defaultContainerOptions())
		if err != nil {
			requireClassified(t, err)
			return
		}
		meta, err := ParseContainerName(spec.Name)
		if err != nil {
			t.Fatalf("spec name %q does not parse: %v", spec.Name, err)
		}
		if meta.Name != name || meta.Attempt != attempt {
			t.Fatalf("spec name %q parses to %v", spec.Name, meta)
		}
		if spec.HostConfig.NetworkMode != "container:"+testSandboxID {
			t.Fatalf("container does not join the sandbox network: %q", spec.HostConfig.NetworkMode)
		}
	})
}
