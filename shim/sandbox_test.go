package shim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker/dockertest"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/translate"
)

func TestRunPodSandbox(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	id := env.runSandbox(t, env.sandboxConfig())

	in, err := env.engine.InspectContainer(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "/k8s_POD_web_default_uid-1_0", in.Name)
	assert.Equal(t, container.StateRunning, in.State.Status)
	assert.Equal(t, testPauseImage, in.Config.Image)
	assert.Equal(t, translate.TypeSandbox, in.Config.Labels[translate.LabelType])
	assert.Equal(t, "web", in.Config.Labels["io.kubernetes.pod.name"])
	assert.Equal(t, "now", in.Config.Labels["annotation.seen"])

	require.True(t, env.hasCheckpoint(t, id))
	buf, err := os.ReadFile(env.checkpointPath(id))
	require.NoError(t, err)
	var cp map[string]any
	require.NoError(t, json.Unmarshal(buf, &cp))
	assert.Equal(t, "v1", cp["version"])
	assert.Equal(t, "web", cp["name"])
	assert.Equal(t, "default", cp["namespace"])

	st, err := env.svc.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id[:12]})
	require.NoError(t, err)
	assert.Equal(t, id, st.Status.Id)
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_READY, st.Status.State)
	assert.Equal(t, &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "uid-1"}, st.Status.Metadata)
	assert.True(t, strings.HasPrefix(st.Status.Network.Ip, "172.17."), "bridge IP %q", st.Status.Network.Ip)
	assert.Equal(t, map[string]string{"io.kubernetes.pod.name": "web"}, st.Status.Labels)
	assert.Equal(t, map[string]string{"seen": "now"}, st.Status.Annotations)
	assert.Equal(t, runtimeapi.NamespaceMode_CONTAINER, st.Status.Linux.Namespaces.Options.Pid)
}

func TestRunPodSandboxSharedPidReported(t *testing.T) {
	env := newTestEnv(t)
	id := env.runSandbox(t, env.sandboxConfig(func(c *runtimeapi.PodSandboxConfig) {
		c.Linux.SecurityContext.NamespaceOptions.Pid = runtimeapi.NamespaceMode_POD
	}))
	st, err := env.svc.PodSandboxStatus(context.Background(), &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id})
	require.NoError(t, err)
	assert.Equal(t, runtimeapi.NamespaceMode_POD, st.Status.Linux.Namespaces.Options.Pid)
}

func TestRunPodSandboxRollsBack(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		wantCode codes.Code
		setup    func(t *testing.T, env *testEnv)
	}{
		{name: "start fails", method: "StartContainer", wantCode: codes.Unavailable},
		{name: "create fails", method: "CreateContainer", wantCode: codes.Unavailable},
		{name: "sandbox image gone and lookup fails", method: "InspectImage", wantCode: codes.Unavailable,
			setup: func(t *testing.T, env *testEnv) {
				require.NoError(t, env.engine.RemoveImage(context.Background(), testPauseImage, true))
				env.engine.AddRemoteImage(testPauseImage, image.InspectResponse{RepoTags: []string{testPauseImage}})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			if tt.setup != nil {
				tt.setup(t, env)
			}
			env.engine.FailNext(tt.method, errdefs.Wrap(errdefs.ErrUnavailable, errors.New("dockerd went away")))
			_, err := env.svc.RunPodSandbox(context.Background(), &runtimeapi.RunPodSandboxRequest{Config: env.sandboxConfig()})
			require.Error(t, err)
			assert.Equal(t, tt.wantCode, codeOf(err))
			assert.Empty(t, env.engine.ContainerIDs(), "no container left behind")
			entries, err := os.ReadDir(env.checkpointPath(""))
			require.NoError(t, err)
			assert.Empty(t, entries, "no checkpoint (nor temp file) left behind")

			env.runSandbox(t, env.sandboxConfig()) // the name is free again
		})
	}
}

// cancelOnStart cancels the request's context while Docker starts the
// sandbox, as a kubelet whose RPC deadline expires does.
type cancelOnStart struct {
	*dockertest.Engine
	cancel context.CancelFunc
}

func (c cancelOnStart) StartContainer(ctx context.Context, id string) error {
	c.cancel()
	return c.Engine.StartContainer(ctx, id)
}

func TestRunPodSandboxRollsBackAfterCancel(t *testing.T) {
	env := newTestEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := newTestService(t, env.svc.cfg, cancelOnStart{env.engine, cancel}, env.svc.hostLimits())
	require.NoError(t, err)

	_, err = svc.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: env.sandboxConfig()})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, codes.Canceled, codeOf(err))
	assert.Empty(t, env.engine.ContainerIDs(), "rollback runs on its own context")
	entries, err := os.ReadDir(env.checkpointPath(""))
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestRunPodSandboxConcurrentSameMetadata(t *testing.T) {
	env := newTestEnv(t)
	const n = 8
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
		ids   = make([]string, n)
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			resp, err := env.svc.RunPodSandbox(context.Background(), &runtimeapi.RunPodSandboxRequest{Config: env.sandboxConfig()})
			errs[i] = err
			if err == nil {
				ids[i] = resp.PodSandboxId
			}
		}(i)
	}
	close(start)
	wg.Wait()

	var winner string
	for i, err := range errs {
		if err == nil {
			require.Empty(t, winner, "two RunPodSandbox calls for one pod succeeded")
			winner = ids[i]
			continue
		}
		assert.Equal(t, codes.AlreadyExists, codeOf(err), "loser %d: %v", i, err)
	}
	require.NotEmpty(t, winner, "one call must succeed")
	assert.Equal(t, []string{winner}, env.engine.ContainerIDs())
	entries, err := os.ReadDir(env.checkpointPath(""))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, winner, entries[0].Name())
}

func TestRunPodSandboxBuiltinImageImportedOnce(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t, withBuiltinSandboxImage())
	a := env.runSandbox(t, env.sandboxConfig())
	b := env.runSandbox(t, env.sandboxConfig(withPodName("api")))
	assert.Equal(t, 1, env.engine.Calls("ImportImage"))
	img, err := env.engine.InspectImage(ctx, "dockercri/pause:builtin")
	require.NoError(t, err)
	for _, id := range []string{a, b} {
		in, err := env.engine.InspectContainer(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, img.ID, in.Image)
	}
	list, err := env.svc.ListImages(ctx, &runtimeapi.ListImagesRequest{})
	require.NoError(t, err)
	for _, i := range list.Images {
		assert.Equal(t, i.Id == img.ID, i.Pinned, "only the sandbox image is pinned: %s", i.Id)
	}
}

// TestRunPodSandboxRemakesRemovedSandboxImage: the sandbox image is looked
// up once; when someone removes it later, the next RunPodSandbox makes it
// again instead of failing.
func TestRunPodSandboxRemakesRemovedSandboxImage(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t, withBuiltinSandboxImage())
	env.runSandbox(t, env.sandboxConfig())
	lookups := env.engine.Calls("InspectImage")
	env.runSandbox(t, env.sandboxConfig(withPodName("api")))
	assert.Equal(t, lookups, env.engine.Calls("InspectImage"), "no lookup once the image is known")

	require.NoError(t, env.engine.RemoveImage(ctx, "dockercri/pause:builtin", true))
	env.runSandbox(t, env.sandboxConfig(withPodName("db")))
	assert.Equal(t, 2, env.engine.Calls("ImportImage"), "imported again")
}

func TestRunPodSandboxRejects(t *testing.T) {
	env := newTestEnv(t)
	tests := []struct {
		name string
		req  *runtimeapi.RunPodSandboxRequest
	}{
		{"no config", &runtimeapi.RunPodSandboxRequest{}},
		{"bad metadata", &runtimeapi.RunPodSandboxRequest{Config: env.sandboxConfig(withPodName("we_b"))}},
		{"unknown runtime handler", &runtimeapi.RunPodSandboxRequest{Config: env.sandboxConfig(), RuntimeHandler: "kata"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.svc.RunPodSandbox(context.Background(), tt.req)
			assert.Equal(t, codes.InvalidArgument, codeOf(err), "%v", err)
			assert.Empty(t, env.engine.ContainerIDs())
		})
	}
}

func TestStopAndRemoveUnknownSandbox(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	for _, id := range []string{strings.Repeat("ab", 32), "abc", "k8s_POD_gone_default_u_0"} {
		t.Run(id, func(t *testing.T) {
			_, err := env.svc.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: id})
			require.NoError(t, err)
			_, err = env.svc.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: id})
			require.NoError(t, err)
		})
	}
	_, err := env.svc.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{})
	assert.Equal(t, codes.InvalidArgument, codeOf(err), "an empty id is not an unknown id")
}

func TestStopPodSandbox(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	c := env.createContainer(t, sb, sbCfg, containerConfig())
	_, err := env.svc.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c})
	require.NoError(t, err)

	for i := 0; i < 2; i++ { // stopping twice is fine
		_, err = env.svc.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb})
		require.NoError(t, err)
	}
	for _, id := range []string{sb, c} {
		in, err := env.engine.InspectContainer(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, container.StateExited, in.State.Status, id)
	}
	st, err := env.svc.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sb})
	require.NoError(t, err)
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, st.Status.State)
	assert.Empty(t, st.Status.Network.Ip)
}

func TestRemovePodSandbox(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	c := env.createContainer(t, sb, sbCfg, containerConfig())
	other := env.runSandbox(t, env.sandboxConfig(withPodName("other")))

	_, err := env.svc.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb})
	require.NoError(t, err)
	assert.Equal(t, []string{other}, env.engine.ContainerIDs(), "the sandbox and its container are gone, the other pod stays")
	assert.False(t, env.hasCheckpoint(t, sb))
	assert.True(t, env.hasCheckpoint(t, other))
	_, err = env.engine.InspectContainer(ctx, c)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)

	_, err = env.svc.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb})
	require.NoError(t, err, "removing twice is fine")
}

func TestPodSandboxStatusNotASandbox(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	c := env.createContainer(t, sb, sbCfg, containerConfig())
	foreign, _, err := env.engine.CreateContainer(ctx, "not-kubernetes", &container.Config{Image: testAppImage}, nil, nil)
	require.NoError(t, err)

	for _, id := range []string{c, foreign, strings.Repeat("0", 64)} {
		_, err := env.svc.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id})
		assert.Equal(t, codes.NotFound, codeOf(err), "id %s: %v", id, err)
	}
}

func TestListPodSandbox(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	ready := env.runSandbox(t, env.sandboxConfig())
	vanished := env.runSandbox(t, env.sandboxConfig(withPodName("gone"), func(c *runtimeapi.PodSandboxConfig) { c.Metadata.Attempt = 3 }))
	require.NoError(t, env.engine.RemoveContainer(ctx, vanished))

	list := func(f *runtimeapi.PodSandboxFilter) map[string]*runtimeapi.PodSandbox {
		resp, err := env.svc.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: f})
		require.NoError(t, err)
		out := map[string]*runtimeapi.PodSandbox{}
		for _, sb := range resp.Items {
			out[sb.Id] = sb
		}
		return out
	}
	// A container removed behind dockercri's back leaves its index through
	// Docker's event stream: within a moment, not synchronously.
	var all map[string]*runtimeapi.PodSandbox
	require.Eventually(t, func() bool {
		all = list(nil)
		return len(all) == 2 && all[vanished] != nil && all[vanished].State == runtimeapi.PodSandboxState_SANDBOX_NOTREADY
	}, 2*time.Second, 5*time.Millisecond)
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_READY, all[ready].State)
	require.Contains(t, all, vanished, "a checkpoint without its container is still listed")
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, all[vanished].State)
	assert.Equal(t, &runtimeapi.PodSandboxMetadata{Name: "gone", Namespace: "default", Uid: "uid-1", Attempt: 3}, all[vanished].Metadata)

	notReady := list(&runtimeapi.PodSandboxFilter{State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY}})
	assert.Len(t, notReady, 1)
	assert.Contains(t, notReady, vanished)
	byPrefix := list(&runtimeapi.PodSandboxFilter{Id: ready[:8]})
	assert.Len(t, byPrefix, 1)
	assert.Contains(t, byPrefix, ready)

	_, err := env.svc.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: vanished})
	require.NoError(t, err)
	_, err = env.svc.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: vanished})
	require.NoError(t, err)
	assert.NotContains(t, list(nil), vanished, "removing frees the orphan checkpoint")
}

func TestListPodSandboxSkipsForeignContainers(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	_, _, err := env.engine.CreateContainer(ctx, "impostor", &container.Config{Image: testAppImage,
		Labels: map[string]string{translate.LabelType: translate.TypeSandbox}}, nil, nil)
	require.NoError(t, err)
	resp, err := env.svc.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	require.NoError(t, err)
	assert.Empty(t, resp.Items, "a container whose name is not a sandbox name is skipped")
}

// TestCreateContainerRacingRemovePodSandbox: whichever comes first, no
// container outlives its pod: RemovePodSandbox holds the pod alone, so its
// one sweep sees every container a create made, and a create that waited
// for it finds the pod gone.
func TestCreateContainerRacingRemovePodSandbox(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	for i := range 20 {
		cfg := env.sandboxConfig(withPodName(fmt.Sprintf("race%d", i)))
		sb := env.runSandbox(t, cfg)
		var wg sync.WaitGroup
		wg.Go(func() {
			_, err := env.svc.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb, Config: containerConfig(), SandboxConfig: cfg})
			if err != nil {
				assert.Equal(t, codes.NotFound, codeOf(err), "%v", err)
			}
		})
		wg.Go(func() {
			_, err := env.svc.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb})
			assert.NoError(t, err)
			_, err = env.svc.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb})
			assert.NoError(t, err)
		})
		wg.Wait()
		left, err := env.engine.ListContainers(ctx, translate.LabelSandboxID+"="+sb)
		require.NoError(t, err)
		assert.Empty(t, left, "round %d: a container outlived its pod", i)
	}
}
