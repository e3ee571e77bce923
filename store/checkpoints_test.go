package store

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// TestCheckpointCacheHandsOutCopies: what read returns can be changed
// without changing the stored checkpoint; remove forgets it.
func TestCheckpointCacheHandsOutCopies(t *testing.T) {
	s, err := NewCheckpoints(t.TempDir())
	require.NoError(t, err)
	id := strings.Repeat("a", 64)
	require.NoError(t, s.Write(id, &Checkpoint{Name: "web", Namespace: "ns", Data: &CheckpointData{}, Dockercri: &CheckpointExtra{IPs: []string{"10.0.0.2"}}}))

	cp, err := s.Read(id)
	require.NoError(t, err)
	cp.Name = "changed"
	cp.Dockercri.IPs[0] = "changed"
	again, err := s.Read(id)
	require.NoError(t, err)
	assert.Equal(t, "web", again.Name)
	assert.Equal(t, []string{"10.0.0.2"}, again.Dockercri.IPs)

	require.NoError(t, s.Remove(id))
	_, err = s.Read(id)
	assert.Error(t, err, "a removed checkpoint is gone from the cache too")
	_, err = os.Stat(s.dir + "/" + id)
	assert.True(t, os.IsNotExist(err))
}

// TestCheckpointStoreRemovesStaleTemps: a write cut short by SIGKILL leaves
// its temp file; the next process removes it and keeps the checkpoints.
func TestCheckpointStoreRemovesStaleTemps(t *testing.T) {
	root := t.TempDir()
	s, err := NewCheckpoints(root)
	require.NoError(t, err)
	id := strings.Repeat("b", 64)
	require.NoError(t, s.Write(id, &Checkpoint{Name: "web", Namespace: "ns", Data: &CheckpointData{}}))
	stale := filepath.Join(s.dir, "."+id+".tmp116589655")
	require.NoError(t, os.WriteFile(stale, []byte("{"), 0o600))

	s2, err := NewCheckpoints(root)
	require.NoError(t, err)
	_, err = os.Stat(stale)
	assert.True(t, os.IsNotExist(err), "stale temp file removed")
	ids, err := s2.List()
	require.NoError(t, err)
	assert.Equal(t, []string{id}, ids)
}

// TestCheckpointChecksumIsCriDockerds: files as cri-dockerd (or dockershim) writes them
// (testdata, checksums of cri-dockerd's algorithm) verify; a changed one
// is DataLoss; dockercri's own files carry cri-dockerd's checksum, so
// cri-dockerd verifies them after a switch back; files of earlier dockercri
// versions (FNV-64 of the JSON) stay readable.
func TestCheckpointChecksumIsCriDockerds(t *testing.T) {
	s, err := NewCheckpoints(t.TempDir())
	require.NoError(t, err)
	put := func(id string, body []byte) {
		require.NoError(t, os.WriteFile(filepath.Join(s.dir, id), body, 0o600))
	}
	for i, name := range []string{"cri-dockerd-ports.json", "cri-dockerd-hostnet.json", "dockershim-ports.json"} {
		body, err := os.ReadFile(filepath.Join("testdata", "checkpoints", name))
		require.NoError(t, err)
		id := strings.Repeat(string(rune('c'+i)), 64) // c, d, e
		put(id, body)
		cp, err := s.Read(id)
		require.NoError(t, err, name)
		assert.Equal(t, "v1", cp.Version)

		// The same file with its data changed does not verify.
		tampered := strings.Replace(strings.Replace(string(body), "8080", "8081", 1), `"host_network":true`, `"host_network":false`, 1)
		bad := strings.Repeat(string(rune('1'+i)), 64)
		put(bad, []byte(tampered))
		_, err = s.Read(bad)
		assert.ErrorIs(t, err, errdefs.ErrDataLoss, name)
	}

	// dockercri writes cri-dockerd's checksum.
	tcp := "tcp"
	port, host := int32(80), int32(8080)
	id := strings.Repeat("a", 64)
	require.NoError(t, s.Write(id, &Checkpoint{Name: "web", Namespace: "default",
		Data: &CheckpointData{PortMappings: []*CheckpointPort{{Protocol: &tcp, ContainerPort: &port, HostPort: &host}}}}))
	var onDisk struct{ Checksum uint64 }
	body, err := os.ReadFile(filepath.Join(s.dir, id))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(body, &onDisk))
	assert.Equal(t, uint64(3712672205), onDisk.Checksum, "the checksum cri-dockerd computes for these ports")

	// A file of an earlier dockercri (FNV-64a of the data's JSON).
	legacy := strings.Repeat("9", 64)
	data, _ := json.Marshal(&CheckpointData{HostNetwork: true})
	h := fnv.New64a()
	h.Write(data)
	put(legacy, fmt.Appendf(nil, `{"version":"v1","name":"old","namespace":"ns","data":%s,"checksum":%d}`, data, h.Sum64()))
	_, err = s.Read(legacy)
	assert.NoError(t, err)
}
