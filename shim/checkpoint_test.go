package shim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckpointCacheHandsOutCopies: what read returns can be changed
// without changing the stored checkpoint; remove forgets it.
func TestCheckpointCacheHandsOutCopies(t *testing.T) {
	s, err := newCheckpointStore(t.TempDir())
	require.NoError(t, err)
	id := strings.Repeat("a", 64)
	require.NoError(t, s.write(id, &sandboxCheckpoint{Name: "web", Namespace: "ns", Data: &checkpointData{}, Dockercri: &checkpointExtra{IPs: []string{"10.0.0.2"}}}))

	cp, err := s.read(id)
	require.NoError(t, err)
	cp.Name = "changed"
	cp.Dockercri.IPs[0] = "changed"
	again, err := s.read(id)
	require.NoError(t, err)
	assert.Equal(t, "web", again.Name)
	assert.Equal(t, []string{"10.0.0.2"}, again.Dockercri.IPs)

	require.NoError(t, s.remove(id))
	_, err = s.read(id)
	assert.Error(t, err, "a removed checkpoint is gone from the cache too")
	_, err = os.Stat(s.dir + "/" + id)
	assert.True(t, os.IsNotExist(err))
}

// TestCheckpointStoreRemovesStaleTemps: a write cut short by SIGKILL leaves
// its temp file; the next process removes it and keeps the checkpoints.
func TestCheckpointStoreRemovesStaleTemps(t *testing.T) {
	root := t.TempDir()
	s, err := newCheckpointStore(root)
	require.NoError(t, err)
	id := strings.Repeat("b", 64)
	require.NoError(t, s.write(id, &sandboxCheckpoint{Name: "web", Namespace: "ns", Data: &checkpointData{}}))
	stale := filepath.Join(s.dir, "."+id+".tmp116589655")
	require.NoError(t, os.WriteFile(stale, []byte("{"), 0o600))

	s2, err := newCheckpointStore(root)
	require.NoError(t, err)
	_, err = os.Stat(stale)
	assert.True(t, os.IsNotExist(err), "stale temp file removed")
	ids, err := s2.list()
	require.NoError(t, err)
	assert.Equal(t, []string{id}, ids)
}
