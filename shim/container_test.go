package shim

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker/dockertest"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/translate"
)

func TestCreateContainer(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	id := env.createContainer(t, sb, sbCfg, containerConfig())

	in, err := env.engine.InspectContainer(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "/k8s_app_web_default_uid-1_0", in.Name)
	assert.Equal(t, container.StateCreated, in.State.Status)
	assert.Equal(t, container.NetworkMode("container:"+sb), in.HostConfig.NetworkMode)
	assert.Equal(t, container.IpcMode("container:"+sb), in.HostConfig.IpcMode)
	assert.Equal(t, sb, in.Config.Labels[translate.LabelSandboxID])
	logPath := filepath.Join(sbCfg.LogDirectory, "app", "0.log")
	assert.Equal(t, logPath, in.Config.Labels[translate.LabelLogPath])

	fi, err := os.Lstat(logPath)
	require.NoError(t, err, "kubelet's log file exists from CreateContainer on")
	assert.True(t, fi.Mode().IsRegular())
	assert.Zero(t, fi.Size())
}

func TestCreateContainerWithoutLogDirectory(t *testing.T) {
	env := newTestEnv(t)
	sbCfg := env.sandboxConfig(withoutLogDirectory())
	sb := env.runSandbox(t, sbCfg)
	id := env.createContainer(t, sb, sbCfg, containerConfig())
	in, err := env.engine.InspectContainer(context.Background(), id)
	require.NoError(t, err)
	assert.Empty(t, in.Config.Labels[translate.LabelLogPath])
}

func TestCreateContainerErrors(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	existing := env.createContainer(t, sb, sbCfg, containerConfig(withContainerName("taken")))
	tests := []struct {
		name      string
		sandboxID string
		cfg       *runtimeapi.ContainerConfig
		want      codes.Code
	}{
		{"unknown sandbox", strings.Repeat("9", 64), containerConfig(), codes.NotFound},
		{"unknown short sandbox", "123abc", containerConfig(), codes.NotFound},
		{"sandbox id is a container", existing, containerConfig(), codes.NotFound},
		{"no sandbox id", "", containerConfig(), codes.InvalidArgument},
		{"name in use", sb, containerConfig(withContainerName("taken")), codes.AlreadyExists},
		{"unknown image", sb, containerConfig(withContainerName("new"), withImage("alpine:3")), codes.NotFound},
		{"reserved name", sb, containerConfig(withContainerName("POD")), codes.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.svc.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: tt.sandboxID, Config: tt.cfg, SandboxConfig: sbCfg})
			assert.Equal(t, tt.want, codeOf(err), "%v", err)
			assert.Len(t, env.engine.ContainerIDs(), 2, "nothing new is left in docker")
		})
	}
}

func TestCreateContainerRollsBackWhenLogFileFails(t *testing.T) {
	env := newTestEnv(t)
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	sbCfg.LogDirectory = blocker // a file: the log directory cannot be made

	_, err := env.svc.CreateContainer(context.Background(), &runtimeapi.CreateContainerRequest{PodSandboxId: sb, Config: containerConfig(), SandboxConfig: sbCfg})
	require.Error(t, err)
	assert.Equal(t, []string{sb}, env.engine.ContainerIDs(), "the created container is removed again")
}

func TestContainerLifecycle(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	id := env.createContainer(t, sb, sbCfg, containerConfig())
	status := func() *runtimeapi.ContainerStatus {
		t.Helper()
		resp, err := env.svc.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
		require.NoError(t, err)
		return resp.Status
	}

	st := status()
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_CREATED, st.State)
	assert.Zero(t, st.StartedAt)
	assert.Equal(t, &runtimeapi.ContainerMetadata{Name: "app"}, st.Metadata)

	_, err := env.svc.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: id})
	require.NoError(t, err)
	st = status()
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, st.State)
	assert.NotZero(t, st.StartedAt)
	assert.Zero(t, st.FinishedAt)

	require.NoError(t, env.engine.SetExited(id, 2, false))
	// An exit behind dockercri's back shows once Docker's event arrives.
	require.Eventually(t, func() bool {
		st = status()
		return st.State == runtimeapi.ContainerState_CONTAINER_EXITED
	}, 2*time.Second, time.Millisecond)
	assert.Equal(t, int32(2), st.ExitCode)
	assert.Equal(t, translate.ReasonError, st.Reason)
	assert.GreaterOrEqual(t, st.FinishedAt, st.StartedAt)

	_, err = env.svc.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: id, Timeout: 1})
	require.NoError(t, err, "stopping an exited container is fine")
	_, err = env.svc.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: id})
	require.NoError(t, err)
	assert.Equal(t, []string{sb}, env.engine.ContainerIDs(), "only the sandbox is left")

	_, err = env.svc.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
	assert.Equal(t, codes.NotFound, codeOf(err))
	_, err = env.svc.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: id})
	require.NoError(t, err, "removing twice is fine")
	_, err = env.svc.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: id})
	require.NoError(t, err, "stopping a removed container is fine")
}

func TestContainerCallsOnSandboxAreNotFound(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	sb := env.runSandbox(t, env.sandboxConfig())
	_, err := env.svc.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: sb})
	assert.Equal(t, codes.NotFound, codeOf(err))
	_, err = env.svc.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: sb})
	assert.Equal(t, codes.NotFound, codeOf(err))
	_, err = env.svc.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: sb})
	require.NoError(t, err)
	assert.Equal(t, []string{sb}, env.engine.ContainerIDs(), "RemoveContainer never removes a sandbox")
}

func TestContainerStatusReportsCRILabelsOnly(t *testing.T) {
	ctx := context.Background()
	labelled := image.InspectResponse{RepoTags: []string{"labelled:1"}, Config: &dockerspec.DockerOCIImageConfig{
		ImageConfig: ocispec.ImageConfig{Labels: map[string]string{"maintainer": "someone", "io.kubernetes.container.name": "image-says"}},
	}}
	env := newTestEnv(t, withEngineOptions(dockertest.WithImage(labelled)))
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	id := env.createContainer(t, sb, sbCfg, containerConfig(withImage("labelled:1")))

	resp, err := env.svc.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"io.kubernetes.container.name": "app"}, resp.Status.Labels)
	assert.Equal(t, "docker://"+resp.Status.ImageId, resp.Status.ImageRef, "a local image has no digest")

	list, err := env.svc.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	require.NoError(t, err)
	require.Len(t, list.Containers, 1)
	assert.Equal(t, map[string]string{"io.kubernetes.container.name": "app"}, list.Containers[0].Labels)
}

func TestListContainers(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	webCfg := env.sandboxConfig()
	web := env.runSandbox(t, webCfg)
	apiCfg := env.sandboxConfig(withPodName("api"))
	api := env.runSandbox(t, apiCfg)
	app := env.createContainer(t, web, webCfg, containerConfig())
	side := env.createContainer(t, web, webCfg, containerConfig(withContainerName("side"), func(c *runtimeapi.ContainerConfig) {
		c.Labels = map[string]string{"io.kubernetes.container.name": "side"}
	}))
	other := env.createContainer(t, api, apiCfg, containerConfig())
	_, err := env.svc.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: side})
	require.NoError(t, err)

	tests := []struct {
		name   string
		filter *runtimeapi.ContainerFilter
		want   []string
	}{
		{"all", nil, []string{app, side, other}},
		{"by sandbox", &runtimeapi.ContainerFilter{PodSandboxId: web}, []string{app, side}},
		{"by sandbox prefix", &runtimeapi.ContainerFilter{PodSandboxId: api[:10]}, []string{other}},
		{"by id prefix", &runtimeapi.ContainerFilter{Id: app[:12]}, []string{app}},
		{"running", &runtimeapi.ContainerFilter{State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING}}, []string{side}},
		{"by label", &runtimeapi.ContainerFilter{LabelSelector: map[string]string{"io.kubernetes.container.name": "side"}}, []string{side}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := env.svc.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: tt.filter})
			require.NoError(t, err)
			var got []string
			for _, c := range resp.Containers {
				got = append(got, c.Id)
				assert.NotEqual(t, web, c.Id, "sandboxes are not containers")
			}
			assert.ElementsMatch(t, tt.want, got)
		})
	}
}

func TestUpdateContainerResources(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	id := env.createContainer(t, sb, sbCfg, containerConfig())
	_, err := env.svc.UpdateContainerResources(ctx, &runtimeapi.UpdateContainerResourcesRequest{
		ContainerId: id, Linux: &runtimeapi.LinuxContainerResources{CpuShares: 512, MemoryLimitInBytes: 64 << 20},
	})
	require.NoError(t, err)
	in, err := env.engine.InspectContainer(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, int64(512), in.HostConfig.CPUShares)
	assert.Equal(t, int64(64<<20), in.HostConfig.Memory)

	_, err = env.svc.UpdateContainerResources(ctx, &runtimeapi.UpdateContainerResourcesRequest{
		ContainerId: id, Linux: &runtimeapi.LinuxContainerResources{CpuShares: -1},
	})
	assert.Equal(t, codes.InvalidArgument, codeOf(err))
	_, err = env.svc.UpdateContainerResources(ctx, &runtimeapi.UpdateContainerResourcesRequest{ContainerId: strings.Repeat("f", 64)})
	assert.Equal(t, codes.NotFound, codeOf(err))
}

// TestCreateContainerNeedsLoadedApparmorProfile: a Localhost AppArmor
// profile the kernel has not loaded fails CreateContainer (as on
// containerd), by either field; a loaded one is passed to Docker; where
// the kernel has no AppArmor nothing is checked.
func TestCreateContainerNeedsLoadedApparmorProfile(t *testing.T) {
	secfs := t.TempDir()
	env := newTestEnv(t, withConfig(func(c *Config) { c.SecurityFS = secfs }))
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	withProfile := func(name string, sc *runtimeapi.LinuxContainerSecurityContext) containerOpt {
		return func(c *runtimeapi.ContainerConfig) {
			withContainerName(name)(c)
			c.Linux = &runtimeapi.LinuxContainerConfig{SecurityContext: sc}
		}
	}
	deprecated := &runtimeapi.LinuxContainerSecurityContext{ApparmorProfile: "localhost/deny-write"}
	field := &runtimeapi.LinuxContainerSecurityContext{Apparmor: &runtimeapi.SecurityProfile{
		ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: "deny-write"}}

	env.createContainer(t, sb, sbCfg, containerConfig(withProfile("no-apparmor", deprecated)))

	require.NoError(t, os.MkdirAll(filepath.Join(secfs, "apparmor"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(secfs, "apparmor", "profiles"), []byte("docker-default (enforce)\n"), 0o644))
	for _, sc := range []*runtimeapi.LinuxContainerSecurityContext{deprecated, field} {
		_, err := env.svc.CreateContainer(context.Background(), &runtimeapi.CreateContainerRequest{
			PodSandboxId: sb, Config: containerConfig(withProfile("unloaded", sc)), SandboxConfig: sbCfg})
		assert.ErrorIs(t, err, errdefs.ErrFailedPrecondition)
		assert.ErrorContains(t, err, `"deny-write" is not loaded`)
	}

	require.NoError(t, os.WriteFile(filepath.Join(secfs, "apparmor", "profiles"), []byte("docker-default (enforce)\ndeny-write (enforce)\n"), 0o644))
	id := env.createContainer(t, sb, sbCfg, containerConfig(withProfile("loaded", deprecated)))
	in, err := env.engine.InspectContainer(context.Background(), id)
	require.NoError(t, err)
	assert.Contains(t, in.HostConfig.SecurityOpt, "apparmor=deny-write")
}
