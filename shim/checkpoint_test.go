package shim

import (
	"os"
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
