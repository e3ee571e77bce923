package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
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

// TestHostRootMount: a pod that binds the host's "/" (kubelet's hostexec
// pods do, to nsenter into the host) with the default private propagation.
// "/" contains Docker's data root, where Docker refuses an explicit
// rprivate (node e2e's RuntimeClass spec failed on that); dockercri leaves
// the propagation to Docker, which makes it rslave. The container sees the
// host's files through it, read-only.
func TestHostRootMount(t *testing.T) {
	d := startDaemon(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "greeting"), []byte("hi from host\n"), 0o644))
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withMount("/", "/rootfs", true),
		withShell(`cat /rootfs`+dir+`/greeting && touch /rootfs`+dir+`/new 2>/dev/null && echo writable || echo readonly`))
	assert.Equal(t, "hi from host\nreadonly", containerOutput(t, d, id))

	st, err := d.runtime.ContainerStatus(testCtx(t), id, false)
	require.NoError(t, err)
	for _, m := range st.GetStatus().GetMounts() {
		if m.ContainerPath == "/rootfs" {
			assert.Equal(t, runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER, m.Propagation, "as Docker reports it")
		}
	}
}
