// Package core computes the checksum of a sandbox checkpoint the way
// cri-dockerd (and dockershim before it) does, so that each can verify the
// files the other writes: FNV-32a of go-spew's "%#v" dump of the checkpoint
// data (keys sorted, methods off), the package and type names included —
// hence this package's name and CheckpointData's.
package core

import (
	"hash/fnv"

	"github.com/davecgh/go-spew/spew"

	"github.com/dockercri/dockercri/internal/cridockerd/config"
)

// CheckpointData is the checksummed part of a sandbox checkpoint.
type CheckpointData struct {
	PortMappings []*config.PortMapping `json:"port_mappings,omitempty"`
	HostNetwork  bool                  `json:"host_network,omitempty"`
}

var printer = spew.ConfigState{Indent: " ", SortKeys: true, DisableMethods: true, SpewKeys: true}

// Checksum is cri-dockerd's checksum of data.
func Checksum(data CheckpointData) uint64 { return DeepHash(data) }

// DeepHash is the hash cri-dockerd and kubelet's checkpoint manager take of
// a value: FNV-32a of its go-spew dump.
func DeepHash(v any) uint64 {
	h := fnv.New32a()
	printer.Fprintf(h, "%#v", v)
	return uint64(h.Sum32())
}
