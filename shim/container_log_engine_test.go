package shim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogFollowerExitFromIndex: when a container stops, its log follower
// learns of the exit from the index, not from a Docker inspect.
func TestLogFollowerExitFromIndex(t *testing.T) {
	env := newTestEnv(t, withTickingClock())
	env.waitSynced(t)
	m := env.withLogManager(t, t.TempDir())
	id, path := env.startedContainer(t)
	require.NoError(t, env.engine.AppendLog(id, "stdout", "last words\n"))
	before := env.engine.Calls("InspectContainer")
	stopAndWait(t, env, m, id)
	assert.Equal(t, before, env.engine.Calls("InspectContainer"))
	assert.Equal(t, []string{"stdout F last words"}, texts(logLines(t, path)))
}
