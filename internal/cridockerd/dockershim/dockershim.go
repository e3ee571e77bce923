// Package dockershim mirrors the checkpoint types of kubelet's in-tree
// dockershim (Kubernetes ≤ 1.23), whose checkpoints dockercri adopts from
// /var/lib/dockershim: same algorithm as cri-dockerd's (core.DeepHash), but
// the dump names this package and its types, so the checksum differs.
package dockershim

import "github.com/dockercri/dockercri/internal/cridockerd/core"

// Protocol is a port mapping's protocol.
type Protocol string

// PortMapping is one port mapping of a sandbox checkpoint.
type PortMapping struct {
	Protocol      *Protocol `json:"protocol,omitempty"`
	ContainerPort *int32    `json:"container_port,omitempty"`
	HostPort      *int32    `json:"host_port,omitempty"`
	HostIP        string    `json:"host_ip,omitempty"`
}

// CheckpointData is the checksummed part of a sandbox checkpoint.
type CheckpointData struct {
	PortMappings []*PortMapping `json:"port_mappings,omitempty"`
	HostNetwork  bool           `json:"host_network,omitempty"`
}

// Checksum is dockershim's checksum of data.
func Checksum(data CheckpointData) uint64 { return core.DeepHash(data) }
