package shim

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/system"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker/dockertest"
	"github.com/dockercri/dockercri/internal/errdefs"
)

// docker29 is what Docker 29 with the containerd image store reports.
func docker29() envOpt {
	return withEngineOptions(
		dockertest.WithVersion(types.Version{Version: "29.8.1", APIVersion: "1.56", MinAPIVersion: "1.40"}),
		dockertest.WithInfo(system.Info{
			ServerVersion: "29.8.1", CgroupDriver: "cgroupfs", DockerRootDir: "/var/lib/docker",
			Driver: "overlayfs", DriverStatus: [][2]string{{"driver-type", "io.containerd.snapshotter.v1"}},
			DefaultRuntime: "runc", CDISpecDirs: []string{"/etc/cdi"},
			Runtimes: map[string]system.RuntimeWithStatus{
				"runc":                  {Status: map[string]string{"org.opencontainers.runtime-spec.features": `{"mountOptions":["ro","rro"]}`}},
				"io.containerd.runc.v2": {Status: map[string]string{"org.opencontainers.runtime-spec.features": `{"mountOptions":["ro","rro"]}`}},
				"other":                 {},
			},
		}),
	)
}

func handlerRRO(t *testing.T, e *testEnv) map[string]bool {
	t.Helper()
	resp, err := e.svc.Status(context.Background(), &runtimeapi.StatusRequest{})
	require.NoError(t, err)
	out := map[string]bool{}
	for _, h := range resp.RuntimeHandlers {
		out[h.Name] = h.GetFeatures().GetRecursiveReadOnlyMounts()
	}
	return out
}

func TestStatusAdvertisesRecursiveReadOnlyPerHandler(t *testing.T) {
	e := newTestEnv(t, docker29(), withKernelRRO())
	assert.Equal(t, map[string]bool{"": true, "runc": true, "io.containerd.runc.v2": true, "other": false}, handlerRRO(t, e))

	old := newTestEnv(t, docker29()) // kernel older than 5.12
	assert.Equal(t, map[string]bool{"": false, "runc": false, "io.containerd.runc.v2": false, "other": false}, handlerRRO(t, old))
}

func TestCreateContainerWithEngineFeatures(t *testing.T) {
	e := newTestEnv(t, docker29(), withKernelRRO())
	sb := e.runSandbox(t, e.sandboxConfig())
	cfg := containerConfig()
	cfg.Mounts = []*runtimeapi.Mount{
		{HostPath: "/h/ro", ContainerPath: "/ro", Readonly: true},
		{HostPath: "/h/rro", ContainerPath: "/rro", Readonly: true, RecursiveReadOnly: true},
		{ContainerPath: "/img", Readonly: true, Image: &runtimeapi.ImageSpec{Image: testAppImage}},
	}
	cfg.CDIDevices = []*runtimeapi.CDIDevice{{Name: "vendor.com/gpu=0"}}
	resp, err := e.svc.CreateContainer(context.Background(), &runtimeapi.CreateContainerRequest{PodSandboxId: sb, Config: cfg, SandboxConfig: e.sandboxConfig()})
	require.NoError(t, err)
	in, err := e.engine.InspectContainer(context.Background(), resp.ContainerId)
	require.NoError(t, err)
	require.Len(t, in.HostConfig.Mounts, 3)
	assert.True(t, in.HostConfig.Mounts[0].BindOptions.ReadOnlyNonRecursive)
	assert.True(t, in.HostConfig.Mounts[1].BindOptions.ReadOnlyForceRecursive)
	assert.Equal(t, "image", string(in.HostConfig.Mounts[2].Type))
	require.Len(t, in.HostConfig.DeviceRequests, 1)
	assert.Equal(t, []string{"vendor.com/gpu=0"}, in.HostConfig.DeviceRequests[0].DeviceIDs)

	st, err := e.svc.ContainerStatus(context.Background(), &runtimeapi.ContainerStatusRequest{ContainerId: resp.ContainerId})
	require.NoError(t, err)
	var paths []string
	for _, m := range st.Status.Mounts {
		paths = append(paths, m.ContainerPath)
	}
	assert.ElementsMatch(t, []string{"/ro", "/rro", "/img"}, paths)
}

// TestCreateContainerOnOldEngine: what the engine cannot do is refused
// before Docker is asked, naming the engine's real version.
func TestCreateContainerOnOldEngine(t *testing.T) {
	e := newTestEnv(t, withKernelRRO(), withEngineOptions(dockertest.WithVersion(types.Version{Version: "20.10.24", APIVersion: "1.41"})))
	sb := e.runSandbox(t, e.sandboxConfig())
	tests := []struct {
		name string
		edit func(*runtimeapi.ContainerConfig)
		want string
	}{
		{"image volume", func(c *runtimeapi.ContainerConfig) {
			c.Mounts = []*runtimeapi.Mount{{ContainerPath: "/img", Image: &runtimeapi.ImageSpec{Image: testAppImage}}}
		}, "Docker Engine 20.10.24 (API 1.41)"},
		{"recursive read-only", func(c *runtimeapi.ContainerConfig) {
			c.Mounts = []*runtimeapi.Mount{{HostPath: "/h", ContainerPath: "/m", Readonly: true, RecursiveReadOnly: true}}
		}, "Docker Engine 20.10.24 (API 1.41)"},
		{"CDI", func(c *runtimeapi.ContainerConfig) {
			c.CDIDevices = []*runtimeapi.CDIDevice{{Name: "vendor.com/gpu=0"}}
		}, "Docker Engine 20.10.24 (API 1.41)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := containerConfig()
			tt.edit(cfg)
			creates := e.engine.Calls("CreateContainer")
			_, err := e.svc.CreateContainer(context.Background(), &runtimeapi.CreateContainerRequest{PodSandboxId: sb, Config: cfg, SandboxConfig: e.sandboxConfig()})
			assert.ErrorIs(t, err, errdefs.ErrFailedPrecondition)
			assert.ErrorContains(t, err, tt.want)
			assert.Equal(t, creates, e.engine.Calls("CreateContainer"), "docker is not asked")
		})
	}
}

func TestImageFsInfoContainerdStoreNeedsItsRoot(t *testing.T) {
	e := newTestEnv(t, docker29(), withConfig(func(c *Config) { c.ContainerdRoot = t.TempDir() + "/absent" }))
	_, err := e.svc.ImageFsInfo(context.Background(), &runtimeapi.ImageFsInfoRequest{})
	assert.ErrorIs(t, err, errdefs.ErrFailedPrecondition)
	assert.ErrorContains(t, err, "--containerd-root")
	assert.ErrorContains(t, err, "io.containerd.snapshotter.v1.overlayfs")
}

// TestImageFsInfoReportsImageBytes: the image filesystem's used bytes are
// the images' own (asked once, then served from the last figure); the
// container filesystem's are what the filesystem holds.
func TestImageFsInfoReportsImageBytes(t *testing.T) {
	e := newTestEnv(t, withEngineOptions(
		dockertest.WithInfo(system.Info{CgroupDriver: "cgroupfs", DockerRootDir: t.TempDir(), Runtimes: map[string]system.RuntimeWithStatus{"runc": {}}}),
		dockertest.WithImage(image.InspectResponse{RepoTags: []string{"big:1"}, Size: 5 << 20}),
	))
	t.Cleanup(e.svc.Close)
	ctx := context.Background()
	resp, err := e.svc.ImageFsInfo(ctx, &runtimeapi.ImageFsInfoRequest{})
	require.NoError(t, err)
	assert.Equal(t, uint64(5<<20), resp.ImageFilesystems[0].UsedBytes.Value)
	assert.Equal(t, resp.ImageFilesystems[0].FsId, resp.ContainerFilesystems[0].FsId)
	assert.Greater(t, resp.ContainerFilesystems[0].UsedBytes.Value, uint64(0))
	_, err = e.svc.ImageFsInfo(ctx, &runtimeapi.ImageFsInfoRequest{})
	require.NoError(t, err)
	assert.Equal(t, 1, e.engine.Calls("ImagesDiskUsage"), "a fresh figure is not asked again")

	// A stale figure is answered at once and refreshed in the background.
	e.svc.imgUsage.mu.Lock()
	e.svc.imgUsage.at = time.Now().Add(-time.Hour)
	e.svc.imgUsage.mu.Unlock()
	_, err = e.svc.ImageFsInfo(ctx, &runtimeapi.ImageFsInfoRequest{})
	require.NoError(t, err)
	assert.Eventually(t, func() bool { return e.engine.Calls("ImagesDiskUsage") == 2 }, 5*time.Second, 10*time.Millisecond)
}

// TestCreateContainerChecksImageSubpaths: a container with an image
// volume's sub path has Docker mount its file system once at create (a
// stat of the mount's target), so a missing sub path fails the create,
// not the start; containers without one cost no extra call.
func TestCreateContainerChecksImageSubpaths(t *testing.T) {
	e := newTestEnv(t, docker29())
	sbCfg := e.sandboxConfig()
	sb := e.runSandbox(t, sbCfg)
	stats := e.engine.Calls("StatContainerPath")
	e.createContainer(t, sb, sbCfg, containerConfig(withContainerName("whole"), func(c *runtimeapi.ContainerConfig) {
		c.Mounts = []*runtimeapi.Mount{{ContainerPath: "/img", Image: &runtimeapi.ImageSpec{Image: testAppImage}}}
	}))
	assert.Equal(t, stats, e.engine.Calls("StatContainerPath"), "no sub path: no stat")
	e.createContainer(t, sb, sbCfg, containerConfig(withContainerName("sub"), func(c *runtimeapi.ContainerConfig) {
		c.Mounts = []*runtimeapi.Mount{
			{ContainerPath: "/a", Image: &runtimeapi.ImageSpec{Image: testAppImage}, ImageSubPath: "etc"},
			{ContainerPath: "/b", Image: &runtimeapi.ImageSpec{Image: testAppImage}, ImageSubPath: "bin"},
		}
	}))
	assert.Equal(t, stats+1, e.engine.Calls("StatContainerPath"), "one stat for all of a container's mounts")
}

// TestCreateContainerBindsHostRoot: a hostexec-style pod binds the host's
// "/" (which contains Docker's data root) with private propagation, read-
// write and read-only, on the bind-string and the mount-API engines.
// Docker refuses an explicit rprivate there; dockercri leaves the choice
// to Docker, which makes such a bind rslave.
func TestCreateContainerBindsHostRoot(t *testing.T) {
	for name, opts := range map[string][]envOpt{
		"Docker 20.10": nil,
		"Docker 29":    {docker29(), withKernelRRO()},
	} {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t, opts...)
			sb := e.runSandbox(t, e.sandboxConfig())
			cfg := containerConfig()
			cfg.Mounts = []*runtimeapi.Mount{
				{HostPath: "/", ContainerPath: "/rootfs"},
				{HostPath: "/", ContainerPath: "/rootfs-ro", Readonly: true},
				{HostPath: "/srv/data", ContainerPath: "/data"},
			}
			resp, err := e.svc.CreateContainer(context.Background(), &runtimeapi.CreateContainerRequest{PodSandboxId: sb, Config: cfg, SandboxConfig: e.sandboxConfig()})
			require.NoError(t, err)
			st, err := e.svc.ContainerStatus(context.Background(), &runtimeapi.ContainerStatusRequest{ContainerId: resp.ContainerId})
			require.NoError(t, err)
			got := map[string]runtimeapi.MountPropagation{}
			for _, m := range st.Status.Mounts {
				got[m.ContainerPath] = m.Propagation
			}
			assert.Equal(t, map[string]runtimeapi.MountPropagation{
				"/rootfs":    runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER,
				"/rootfs-ro": runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER,
				"/data":      runtimeapi.MountPropagation_PROPAGATION_PRIVATE,
			}, got, "Docker's propagation, as Docker reports it")
		})
	}
}
