package store

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/docker"
)

// TestDeepCopyOfInspect: a copy of real inspect data (Docker 20.10's) is
// equal to it and shares nothing a reader could change.
func TestDeepCopyOfInspect(t *testing.T) {
	raw, err := os.ReadFile("testdata/inspect-20.10.json")
	require.NoError(t, err)
	var in docker.ContainerInfo
	require.NoError(t, json.Unmarshal(raw, &in))
	in.State.Health = &container.Health{Log: []*container.HealthcheckResult{{Start: time.Unix(1700000000, 5), Output: "ok"}}}

	cp := deepCopy(in)
	assert.Equal(t, in, cp)

	cp.Config.Labels["x"] = "changed"
	cp.Config.Env[0] = "changed"
	cp.HostConfig.Binds = append(cp.HostConfig.Binds, "/a:/b")
	cp.State.Health.Log[0].Output = "changed"
	cp.Mounts = append(cp.Mounts, container.MountPoint{Destination: "/x"})
	for _, n := range cp.NetworkSettings.Networks {
		n.IPAddress = "changed"
	}
	again := deepCopy(in)
	var orig docker.ContainerInfo
	require.NoError(t, json.Unmarshal(raw, &orig))
	orig.State.Health = &container.Health{Log: []*container.HealthcheckResult{{Start: time.Unix(1700000000, 5), Output: "ok"}}}
	assert.Equal(t, orig, in, "changing a copy changed the original")
	assert.Equal(t, orig, again)
	assert.True(t, in.State.Health.Log[0].Start.Equal(cp.State.Health.Log[0].Start), "time values survive")
}
