package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadonlyHostPathMount(t *testing.T) {
	d := startDaemon(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "greeting"), []byte("hi from host\n"), 0o644))
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withMount(dir, "/data", true),
		withShell(`cat /data/greeting; touch /data/new 2>/dev/null && echo writable || echo readonly`))
	assert.Equal(t, "hi from host\nreadonly", containerOutput(t, d, id))
	_, err := os.Stat(filepath.Join(dir, "new"))
	assert.True(t, os.IsNotExist(err), "nothing may be written through a read-only mount")
}

func TestReadWriteHostPathMount(t *testing.T) {
	d := startDaemon(t)
	dir := t.TempDir()
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withMount(dir, "/data", false),
		withShell(`echo written > /data/out && echo ok`))
	assert.Equal(t, "ok", containerOutput(t, d, id))
	data, err := os.ReadFile(filepath.Join(dir, "out"))
	require.NoError(t, err)
	assert.Equal(t, "written\n", string(data))
}

func TestMissingHostPathIsCreatedAsDirectory(t *testing.T) {
	d := startDaemon(t)
	missing := filepath.Join(t.TempDir(), "does", "not", "exist")
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withMount(missing, "/missing", false),
		withShell(`test -d /missing && echo dir`))
	assert.Equal(t, "dir", containerOutput(t, d, id))
	fi, err := os.Stat(missing)
	require.NoError(t, err, "missing host path should have been created")
	assert.True(t, fi.IsDir())
}
