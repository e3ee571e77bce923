// Package config mirrors the checkpoint types of cri-dockerd's package of
// the same name. Its checkpoint checksum hashes a Go dump of the data whose
// text includes package and type names ("config.PortMapping"), so only
// types named exactly so give the checksum cri-dockerd computes.
package config

// Protocol is a port mapping's protocol ("tcp", "udp", "sctp").
type Protocol string

// PortMapping is one port mapping of a sandbox checkpoint.
type PortMapping struct {
	Protocol      *Protocol `json:"protocol,omitempty"`
	ContainerPort *int32    `json:"container_port,omitempty"`
	HostPort      *int32    `json:"host_port,omitempty"`
	HostIP        string    `json:"host_ip,omitempty"`
}
