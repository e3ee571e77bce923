package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/docker/docker/api/types/versions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/hostprobe"
)

// engineAPI is the API version dockercri and the engine speak (the SDK's
// negotiated version, capped at the client's own).
func engineAPI(t testing.TB) string {
	t.Helper()
	v, err := dockerCli.ServerVersion(testCtx(t))
	require.NoError(t, err)
	if versions.LessThan(dockerCli.ClientVersion(), v.APIVersion) {
		return dockerCli.ClientVersion()
	}
	return v.APIVersion
}

// hostDirWithTmpfs is a host directory holding a file and a tmpfs mounted
// at sub/ (unmounted at cleanup): what a pod volume with a submount looks
// like.
func hostDirWithTmpfs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644))
	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	require.NoError(t, unix.Mount("tmpfs", sub, "tmpfs", 0, "size=1m"), "mount tmpfs")
	t.Cleanup(func() { _ = unix.Unmount(sub, unix.MNT_DETACH) })
	return dir
}

const probeWritable = `touch /data/top 2>/dev/null && echo top-rw || echo top-ro; touch /data/sub/x 2>/dev/null && echo sub-rw || echo sub-ro`

// TestReadonlyMountIsNotRecursive: CRI `readonly` makes the mount itself
// read-only and leaves submounts as they are, on every engine (Docker ≥ 25
// would make a read-only bind string recursively read-only).
func TestReadonlyMountIsNotRecursive(t *testing.T) {
	d := startDaemon(t)
	dir := hostDirWithTmpfs(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withMount(dir, "/data", true), withShell(probeWritable))
	assert.Equal(t, "top-ro\nsub-rw", containerOutput(t, d, id), "engine API %s", engineAPI(t))
	st := containerStatus(t, d, id)
	var found bool
	for _, m := range st.GetMounts() {
		if m.GetContainerPath() == "/data" {
			found = true
			assert.True(t, m.GetReadonly(), "status reports the mount read-only")
			assert.Equal(t, dir, m.GetHostPath())
		}
	}
	assert.True(t, found, "mount /data in status: %v", st.GetMounts())
}

// handlerFeatures returns the features Status advertises for handler name.
func handlerFeatures(t *testing.T, d *daemon, name string) *runtimeapi.RuntimeHandlerFeatures {
	t.Helper()
	resp, err := d.runtime.Status(testCtx(t), false)
	require.NoError(t, err)
	for _, h := range resp.GetRuntimeHandlers() {
		if h.GetName() == name {
			return h.GetFeatures()
		}
	}
	t.Fatalf("no runtime handler %q in %v", name, resp.GetRuntimeHandlers())
	return nil
}

// TestRecursiveReadOnlyMount: `recursive_read_only` makes submounts
// read-only too where the runtime can (advertised per handler in Status),
// and is refused with FailedPrecondition where it cannot.
func TestRecursiveReadOnlyMount(t *testing.T) {
	d := startDaemon(t)
	dir := hostDirWithTmpfs(t)
	sb, sbCfg := runSandbox(t, d)
	rro := func(c *runtimeapi.ContainerConfig) {
		c.Mounts = append(c.Mounts, &runtimeapi.Mount{HostPath: dir, ContainerPath: "/data", Readonly: true, RecursiveReadOnly: true})
	}
	supported := handlerFeatures(t, d, "").GetRecursiveReadOnlyMounts()
	t.Logf("engine API %s: recursive read-only mounts advertised: %v", engineAPI(t), supported)
	switch {
	case versions.LessThan(engineAPI(t), "1.44"):
		assert.False(t, supported, "Docker < 25 cannot ask for rro")
	case !hostprobe.KernelRecursiveReadOnly():
		assert.False(t, supported, "a kernel older than 5.12 has no mount_setattr")
	default:
		assert.True(t, supported, "runc on a 5.12+ kernel under Docker ≥ 25 supports rro")
	}
	if !supported {
		cfg := newContainerConfig(sbCfg)
		rro(cfg)
		_, err := d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
		require.Error(t, err)
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		assert.Contains(t, err.Error(), "recursive read-only")
		return
	}
	id := runContainer(t, d, sb, sbCfg, rro, withShell(probeWritable))
	assert.Equal(t, "top-ro\nsub-ro", containerOutput(t, d, id))

	// api.proto's rules: readonly and private propagation are required.
	cfg := newContainerConfig(sbCfg)
	cfg.Mounts = []*runtimeapi.Mount{{HostPath: dir, ContainerPath: "/data", RecursiveReadOnly: true}}
	_, err := d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
}
