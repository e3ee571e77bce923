package core

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/internal/cridockerd/config"
)

func ports(specs ...config.PortMapping) []*config.PortMapping {
	out := make([]*config.PortMapping, len(specs))
	for i := range specs {
		out[i] = &specs[i]
	}
	return out
}

func proto(p string) *config.Protocol { v := config.Protocol(p); return &v }
func num(n int32) *int32              { return &n }

// TestDumpIsCriDockerds: the text hashed is go-spew's dump with
// cri-dockerd's package and type names, pointers followed, no addresses.
func TestDumpIsCriDockerds(t *testing.T) {
	d := CheckpointData{PortMappings: ports(config.PortMapping{Protocol: proto("tcp"), ContainerPort: num(80), HostPort: num(8080)})}
	assert.Equal(t,
		`(core.CheckpointData){PortMappings:([]*config.PortMapping)[<*>{Protocol:(*config.Protocol)tcp ContainerPort:(*int32)80 HostPort:(*int32)8080 HostIP:(string)}] HostNetwork:(bool)false}`,
		printer.Sprintf("%#v", d))
}

// TestChecksumGolden pins the checksums of typical checkpoints, so a change
// of the algorithm (or of go-spew's output) cannot go unnoticed: files
// written by cri-dockerd would no longer verify.
func TestChecksumGolden(t *testing.T) {
	tests := []struct {
		name string
		data CheckpointData
		want uint64
	}{
		{"no ports", CheckpointData{}, 2305795928},
		{"host network", CheckpointData{HostNetwork: true}, 12315789},
		{"one tcp port", CheckpointData{PortMappings: ports(config.PortMapping{Protocol: proto("tcp"), ContainerPort: num(80), HostPort: num(8080)})}, 3712672205},
		{"udp with host ip", CheckpointData{PortMappings: ports(
			config.PortMapping{Protocol: proto("udp"), ContainerPort: num(53), HostPort: num(5353), HostIP: "127.0.0.1"},
			config.PortMapping{Protocol: proto("tcp"), ContainerPort: num(443)},
		)}, 3865051178},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Checksum(tt.data)
			assert.Equal(t, tt.want, got)
			// What a reader computes after the JSON round trip is the same.
			buf, err := json.Marshal(tt.data)
			require.NoError(t, err)
			var back CheckpointData
			require.NoError(t, json.Unmarshal(buf, &back))
			assert.Equal(t, got, Checksum(back))
		})
	}
}
