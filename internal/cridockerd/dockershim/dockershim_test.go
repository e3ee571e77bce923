package dockershim

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dockercri/dockercri/internal/cridockerd/core"
)

// TestChecksumNamesDockershimTypes: the same data hashes differently from
// cri-dockerd's, since the dump names the types; pinned values catch
// changes.
func TestChecksumNamesDockershimTypes(t *testing.T) {
	tcp := Protocol("tcp")
	port, host := int32(80), int32(8080)
	d := CheckpointData{PortMappings: []*PortMapping{{Protocol: &tcp, ContainerPort: &port, HostPort: &host}}}
	assert.NotEqual(t, core.Checksum(core.CheckpointData{}), Checksum(CheckpointData{}))
	assert.Equal(t, uint64(815459779), Checksum(CheckpointData{}))
	assert.Equal(t, uint64(928727533), Checksum(d))
}
