package translate

import (
	"fmt"
	"strconv"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// Sandbox defaults inherited from dockershim: the pause container gets a
// minimal CPU share and is the last thing the OOM killer picks.
const (
	sandboxCPUShares   = 2
	sandboxOOMScoreAdj = -998
)

// SandboxOptions are the runtime's choices for a sandbox container.
type SandboxOptions struct {
	Image string
	// NetworkMode is the Docker network of a non-host-network sandbox:
	// "bridge" (Docker's own networking) or "none" (CNI sets it up later).
	NetworkMode string
	Host        HostLimits
	// Seccomp holds the contents of Localhost seccomp profiles by path.
	Seccomp map[string][]byte
}

// SandboxSpec turns a PodSandboxConfig into the pause container's spec.
func SandboxSpec(cfg *runtimeapi.PodSandboxConfig, opts SandboxOptions) (*CreateSpec, error) {
	if cfg == nil {
		return nil, errdefs.InvalidArgument("sandbox config is required")
	}
	if err := ValidateSandboxMetadata(cfg.Metadata); err != nil {
		return nil, err
	}
	linux := cfg.GetLinux()
	sc := linux.GetSecurityContext()
	ns := sc.GetNamespaceOptions()
	hostNet := ns.GetNetwork() == runtimeapi.NamespaceMode_NODE

	c := &container.Config{
		Image:  opts.Image,
		Labels: MakeLabels(cfg.Labels, cfg.Annotations, map[string]string{LabelType: TypeSandbox}),
	}
	h := &container.HostConfig{
		NetworkMode: container.NetworkMode(opts.NetworkMode),
		IpcMode:     container.IpcMode("shareable"),
		Sysctls:     linux.GetSysctls(),
	}
	h.CgroupParent = CgroupParent(linux.GetCgroupParent(), opts.Host.CgroupDriver)
	h.CPUShares = sandboxCPUShares
	h.OomScoreAdj = opts.Host.clampOOM(sandboxOOMScoreAdj)
	if hostNet {
		h.NetworkMode = "host"
		h.UTSMode = "host"
	} else {
		c.Hostname = cfg.Hostname
		if err := applyPortMappings(c, h, cfg.PortMappings); err != nil {
			return nil, err
		}
	}
	if ns.GetPid() == runtimeapi.NamespaceMode_NODE {
		h.PidMode = "host"
	}
	if ns.GetIpc() == runtimeapi.NamespaceMode_NODE {
		h.IpcMode = "host"
	}
	if u := ns.GetUsernsOptions(); u.GetMode() == runtimeapi.NamespaceMode_POD && (len(u.GetUids()) > 0 || len(u.GetGids()) > 0) {
		return nil, errdefs.InvalidArgument("user namespaces (userns_options mode POD) are not supported by Docker Engine")
	}
	if dns := cfg.DnsConfig; dns != nil {
		h.DNS, h.DNSSearch, h.DNSOptions = dns.Servers, dns.Searches, dns.Options
	}
	if err := applySandboxSecurity(c, h, sc, opts.Host, opts.Seccomp); err != nil {
		return nil, err
	}
	// linux.resources and overhead describe the pod's total for runtimes
	// that size a VM; Docker enforces them through the cgroup parent.
	return &CreateSpec{Name: SandboxName(cfg.Metadata), Config: c, HostConfig: h}, nil
}

func applyPortMappings(c *container.Config, h *container.HostConfig, pms []*runtimeapi.PortMapping) error {
	if len(pms) == 0 {
		return nil
	}
	c.ExposedPorts = nat.PortSet{}
	h.PortBindings = nat.PortMap{}
	for _, pm := range pms {
		proto, err := protocolName(pm.Protocol)
		if err != nil {
			return err
		}
		if pm.ContainerPort <= 0 || pm.ContainerPort > 65535 {
			return errdefs.InvalidArgument("port mapping container_port %d is out of range", pm.ContainerPort)
		}
		if pm.HostPort < 0 || pm.HostPort > 65535 {
			return errdefs.InvalidArgument("port mapping host_port %d is out of range", pm.HostPort)
		}
		port := nat.Port(fmt.Sprintf("%d/%s", pm.ContainerPort, proto))
		c.ExposedPorts[port] = struct{}{}
		if pm.HostPort == 0 {
			continue
		}
		h.PortBindings[port] = append(h.PortBindings[port], nat.PortBinding{
			HostIP:   pm.HostIp,
			HostPort: strconv.Itoa(int(pm.HostPort)),
		})
	}
	return nil
}

func protocolName(p runtimeapi.Protocol) (string, error) {
	switch p {
	case runtimeapi.Protocol_TCP:
		return "tcp", nil
	case runtimeapi.Protocol_UDP:
		return "udp", nil
	case runtimeapi.Protocol_SCTP:
		return "sctp", nil
	}
	return "", errdefs.InvalidArgument("unknown port mapping protocol %d", p)
}
