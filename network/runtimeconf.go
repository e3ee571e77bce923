package network

import (
	"strings"

	"github.com/containernetworking/cni/libcni"
)

// PortMapping is one hostPort of a pod.
type PortMapping struct {
	HostPort      int32
	ContainerPort int32
	Protocol      string // tcp, udp or sctp
	HostIP        string
}

// Bandwidth limits from the pod's kubernetes.io/ingress-bandwidth and
// egress-bandwidth annotations, in bits per second (0: none).
type Bandwidth struct {
	IngressRate, EgressRate int64
}

// DNS is the pod's DNS config.
type DNS struct {
	Servers, Searches, Options []string
}

// Pod is what a CNI ADD or DEL needs to know about a pod.
type Pod struct {
	Namespace, Name, UID string
	SandboxID            string
	NetNS                string // path of the network namespace; may be empty on DEL
	Ports                []PortMapping
	Bandwidth            Bandwidth
	DNS                  DNS
	Annotations          map[string]string
	PodCIDR              string
}

// ifName is the pod's interface, as kubelet names it.
const ifName = "eth0"

// runtimeConf builds the libcni runtime config: the K8S_* args every
// Kubernetes runtime passes and the capability args plugins may ask for
// (libcni hands each plugin only the capabilities it declares).
func runtimeConf(p Pod) *libcni.RuntimeConf {
	rt := &libcni.RuntimeConf{
		ContainerID: p.SandboxID,
		NetNS:       p.NetNS,
		IfName:      ifName,
		Args: [][2]string{
			{"IgnoreUnknown", "1"},
			{"K8S_POD_NAMESPACE", p.Namespace},
			{"K8S_POD_NAME", p.Name},
			{"K8S_POD_INFRA_CONTAINER_ID", p.SandboxID},
			{"K8S_POD_UID", p.UID},
		},
		CapabilityArgs: map[string]interface{}{},
	}
	if len(p.Ports) > 0 {
		ports := make([]map[string]interface{}, 0, len(p.Ports))
		for _, pm := range p.Ports {
			if pm.HostPort <= 0 {
				continue
			}
			ports = append(ports, map[string]interface{}{
				"hostPort":      pm.HostPort,
				"containerPort": pm.ContainerPort,
				"protocol":      strings.ToLower(pm.Protocol),
				"hostIP":        pm.HostIP,
			})
		}
		if len(ports) > 0 {
			rt.CapabilityArgs["portMappings"] = ports
		}
	}
	if b := p.Bandwidth; b.IngressRate > 0 || b.EgressRate > 0 {
		bw := map[string]interface{}{}
		// Burst as kubelet sets it: effectively unlimited within the rate.
		const burst = 2147483647
		if b.IngressRate > 0 {
			bw["ingressRate"], bw["ingressBurst"] = b.IngressRate, burst
		}
		if b.EgressRate > 0 {
			bw["egressRate"], bw["egressBurst"] = b.EgressRate, burst
		}
		rt.CapabilityArgs["bandwidth"] = bw
	}
	if d := p.DNS; len(d.Servers)+len(d.Searches)+len(d.Options) > 0 {
		rt.CapabilityArgs["dns"] = map[string]interface{}{
			"servers": d.Servers, "searches": d.Searches, "options": d.Options,
		}
	}
	if len(p.Annotations) > 0 {
		rt.CapabilityArgs["io.kubernetes.cri.pod-annotations"] = p.Annotations
	}
	if p.PodCIDR != "" {
		rt.CapabilityArgs["ipRanges"] = [][]map[string]interface{}{{{"subnet": p.PodCIDR}}}
	}
	return rt
}
