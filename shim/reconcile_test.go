package shim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/docker/dockertest"
	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/network"
	"github.com/dockercri/dockercri/store"
	"github.com/dockercri/dockercri/translate"
)

// TestReconcileRemovesNeverStartedOrphans: at start-up a sandbox container
// left created-but-never-started without a checkpoint (dockercri killed
// inside RunPodSandbox) is removed once it is old enough; recorded or young
// ones stay.
func TestReconcileRemovesNeverStartedOrphans(t *testing.T) {
	now := time.Now()
	clock := now.Add(-2 * orphanAge)
	engine := dockertest.New(
		dockertest.WithImage(image.InspectResponse{RepoTags: []string{testPauseImage}}),
		dockertest.WithClock(func() time.Time { return clock }),
	)
	ctx := context.Background()
	mk := func(name string) string {
		id, _, err := engine.CreateContainer(ctx, name, &container.Config{
			Image: testPauseImage, Labels: map[string]string{translate.LabelType: translate.TypeSandbox},
		}, &container.HostConfig{}, nil)
		require.NoError(t, err)
		return id
	}
	orphan := mk("k8s_POD_a_ns_u1_0")
	recorded := mk("k8s_POD_b_ns_u2_0")
	clock = now
	young := mk("k8s_POD_c_ns_u3_0")

	root := t.TempDir()
	svc, err := newTestService(t, Config{RootDir: root, SandboxImage: testPauseImage, NetworkMode: "bridge"}, engine, translate.HostLimits{MinOOMScoreAdj: -1000})
	require.NoError(t, err)
	require.NoError(t, svc.checkpoints.Write(recorded, &store.Checkpoint{Name: "b", Namespace: "ns"}))
	svc.Start(ctx)
	defer svc.Close()

	_, err = engine.InspectContainer(ctx, orphan)
	assert.True(t, docker.IsNotFound(err), "the old unrecorded orphan is removed")
	_, err = engine.InspectContainer(ctx, recorded)
	assert.NoError(t, err, "a recorded sandbox is left for kubelet")
	_, err = engine.InspectContainer(ctx, young)
	assert.NoError(t, err, "a young one may be a RunPodSandbox in flight")
}

// fakeNet is a network plugin that keeps real state: the IPs it handed out
// per sandbox, and the results "cached" by ADDs that completed.
type fakeNet struct {
	mu       sync.Mutex
	next     int
	leased   map[string][]string // sandbox id → IPs
	cached   map[string][]string // completed ADDs
	teardown int
}

func newFakeNet() *fakeNet {
	return &fakeNet{leased: map[string][]string{}, cached: map[string][]string{}}
}

func (f *fakeNet) Ready() error { return nil }

func (f *fakeNet) SetUp(_ context.Context, p network.Pod) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ips := f.allocLocked(p.SandboxID)
	f.cached[p.SandboxID] = ips
	return ips, nil
}

// interruptedAdd is an ADD cut short: an IP is leased, nothing cached.
func (f *fakeNet) interruptedAdd(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.allocLocked(id)
}

func (f *fakeNet) allocLocked(id string) []string {
	f.next++
	ips := []string{fmt.Sprintf("10.1.0.%d", f.next)}
	f.leased[id] = ips
	return ips
}

func (f *fakeNet) TearDown(_ context.Context, p network.Pod) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.teardown++
	delete(f.leased, p.SandboxID)
	delete(f.cached, p.SandboxID)
	return nil
}

func (f *fakeNet) CachedIPs(p network.Pod) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cached[p.SandboxID], nil
}

// TestReconcileInterruptedNetworkSetUp: a checkpoint marked "network set
// up" without a recorded result (dockercri killed during or right after
// CNI ADD) is completed at start-up when the ADD's result was cached and
// the sandbox runs, and rolled back with DEL otherwise.
func TestReconcileInterruptedNetworkSetUp(t *testing.T) {
	ctx := context.Background()
	engine := dockertest.New(dockertest.WithImage(image.InspectResponse{RepoTags: []string{testPauseImage}}))
	net := newFakeNet()
	sandbox := func(name string, running bool) string {
		id, _, err := engine.CreateContainer(ctx, "k8s_POD_"+name+"_ns_"+name+"-uid_0", &container.Config{
			Image: testPauseImage, Labels: map[string]string{translate.LabelType: translate.TypeSandbox},
		}, &container.HostConfig{NetworkMode: "none"}, nil)
		require.NoError(t, err)
		if running {
			require.NoError(t, engine.StartContainer(ctx, id))
		}
		return id
	}
	completed := sandbox("completed", true)
	net.cached[completed], net.leased[completed] = []string{"10.1.0.100"}, []string{"10.1.0.100"}
	cutShort := sandbox("cut", true)
	net.interruptedAdd(cutShort)
	stopped := sandbox("stopped", false)
	net.cached[stopped], net.leased[stopped] = []string{"10.1.0.101"}, []string{"10.1.0.101"}
	gone := strings.Repeat("ab", 32)
	net.interruptedAdd(gone)
	settled := sandbox("settled", true)
	net.cached[settled], net.leased[settled] = []string{"10.1.0.102"}, []string{"10.1.0.102"}

	root := t.TempDir()
	svc, err := newTestServiceWith(t, Config{RootDir: root, SandboxImage: testPauseImage, NetworkMode: "none"},
		Deps{Engine: engine, Host: translate.HostLimits{MinOOMScoreAdj: -1000}, Network: net})
	require.NoError(t, err)
	for _, id := range []string{completed, cutShort, stopped, gone, settled} {
		cp := &store.Checkpoint{Name: "p", Namespace: "ns", Dockercri: &store.CheckpointExtra{UID: "u", NetworkSetUp: true, NetworkNS: "POD"}}
		if id == settled {
			cp.Dockercri.IPs = []string{"10.1.0.102"}
		}
		require.NoError(t, svc.checkpoints.Write(id, cp))
	}
	svc.startedAt = time.Now() // a predecessor wrote the checkpoints
	svc.Start(ctx)
	defer svc.Close()

	tests := []struct {
		name     string
		id       string
		wantIPs  []string
		wantMark bool
		leased   bool
		removed  bool
	}{
		{name: "ADD completed, sandbox running", id: completed, wantIPs: []string{"10.1.0.100"}, wantMark: true, leased: true},
		{name: "ADD cut short", id: cutShort},
		{name: "sandbox not running", id: stopped},
		{name: "sandbox container gone", id: gone, removed: true},
		{name: "result already recorded", id: settled, wantIPs: []string{"10.1.0.102"}, wantMark: true, leased: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp, err := svc.checkpoints.Read(tt.id)
			if tt.removed {
				assert.Equal(t, errdefs.ErrNotFound, errdefs.Class(err), "released, then removed: nothing is left of the pod")
			} else {
				require.NoError(t, err, "the checkpoint stays for kubelet")
				assert.Equal(t, tt.wantIPs, cp.Dockercri.IPs)
				assert.Equal(t, tt.wantMark, cp.Dockercri.NetworkSetUp)
			}
			net.mu.Lock()
			_, leased := net.leased[tt.id]
			net.mu.Unlock()
			assert.Equal(t, tt.leased, leased, "IP lease")
		})
	}
	st, err := svc.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: completed})
	require.NoError(t, err)
	assert.Equal(t, "10.1.0.100", st.Status.Network.Ip, "the completed set-up's IP is reported")
	assert.Equal(t, 3, net.teardown, "one DEL per interrupted set-up, none for the others")
}

// TestReconcileRemovesLeftovers: at start-up a checkpoint whose sandbox
// container is gone (and whose network holds nothing) is removed, as are
// never-started containers of a sandbox that is gone (whatever their age);
// a never-started container of a live sandbox and a checkpoint whose DEL is
// still owed are left alone.
func TestReconcileRemovesLeftovers(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	clock := now.Add(-2 * orphanAge)
	engine := dockertest.New(
		dockertest.WithImage(image.InspectResponse{RepoTags: []string{testPauseImage}}),
		dockertest.WithClock(func() time.Time { return clock }),
	)
	mk := func(name string, labels map[string]string) string {
		id, _, err := engine.CreateContainer(ctx, name, &container.Config{Image: testPauseImage, Labels: labels}, &container.HostConfig{}, nil)
		require.NoError(t, err)
		return id
	}
	liveSandbox := mk("k8s_POD_a_ns_u1_0", map[string]string{translate.LabelType: translate.TypeSandbox})
	require.NoError(t, engine.StartContainer(ctx, liveSandbox))
	goneSandbox := strings.Repeat("cd", 32)
	owedDel := strings.Repeat("ef", 32)
	ctr := func(name, sandbox string) string {
		return mk(name, map[string]string{translate.LabelType: translate.TypeContainer, translate.LabelSandboxID: sandbox})
	}
	orphan := ctr("k8s_app_b_ns_u2_0", goneSandbox)
	kept := ctr("k8s_app_a_ns_u1_0", liveSandbox)
	clock = now
	young := ctr("k8s_app_c_ns_u3_0", goneSandbox)

	root := t.TempDir()
	svc, err := newTestService(t, Config{RootDir: root, SandboxImage: testPauseImage, NetworkMode: "bridge"}, engine, translate.HostLimits{MinOOMScoreAdj: -1000})
	require.NoError(t, err)
	require.NoError(t, svc.checkpoints.Write(liveSandbox, &store.Checkpoint{Name: "a", Namespace: "ns"}))
	require.NoError(t, svc.checkpoints.Write(goneSandbox, &store.Checkpoint{Name: "b", Namespace: "ns"}))
	// No network plugin to release it with: the DEL stays owed.
	require.NoError(t, svc.checkpoints.Write(owedDel, &store.Checkpoint{Name: "d", Namespace: "ns", Dockercri: &store.CheckpointExtra{NetworkSetUp: true}}))
	svc.startedAt = time.Now() // a predecessor wrote the checkpoints
	svc.Start(ctx)
	defer svc.Close()

	ids, err := svc.checkpoints.List()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{liveSandbox, owedDel}, ids)
	assert.ElementsMatch(t, []string{liveSandbox, kept}, engine.ContainerIDs())
	assert.NotContains(t, engine.ContainerIDs(), orphan)
	assert.NotContains(t, engine.ContainerIDs(), young)
}

// TestStartupWorkRunsWhenDockerAnswersLate: when dockerd does not answer at
// start-up, the start-up work (here: removing a predecessor's orphaned
// sandbox) runs as soon as the event watcher reaches it, while checkpoints
// this process wrote meanwhile are left alone.
func TestStartupWorkRunsWhenDockerAnswersLate(t *testing.T) {
	ctx := context.Background()
	clock := time.Now().Add(-2 * orphanAge)
	engine := dockertest.New(
		dockertest.WithImage(image.InspectResponse{RepoTags: []string{testPauseImage}}),
		dockertest.WithClock(func() time.Time { return clock }),
	)
	orphan, _, err := engine.CreateContainer(ctx, "k8s_POD_a_ns_u1_0", &container.Config{
		Image: testPauseImage, Labels: map[string]string{translate.LabelType: translate.TypeSandbox},
	}, &container.HostConfig{}, nil)
	require.NoError(t, err)
	down := errdefs.Wrap(errdefs.ErrUnavailable, errors.New("dockerd is down"))
	engine.FailNext("Info", down)
	engine.FailNext("ListContainers", down)

	svc, err := newTestService(t, Config{RootDir: t.TempDir(), SandboxImage: testPauseImage, NetworkMode: "bridge"}, engine, translate.HostLimits{MinOOMScoreAdj: -1000})
	require.NoError(t, err)
	// Written by this process (a RunPodSandbox in flight): not a leftover.
	mine := strings.Repeat("12", 32)
	require.NoError(t, svc.checkpoints.Write(mine, &store.Checkpoint{Name: "m", Namespace: "ns", Dockercri: &store.CheckpointExtra{CreatedAt: time.Now().UnixNano()}}))
	svc.Start(ctx)
	defer svc.Close()

	require.Eventually(t, func() bool {
		_, err := engine.InspectContainer(ctx, orphan)
		return docker.IsNotFound(err)
	}, 5*time.Second, 10*time.Millisecond, "the orphan is removed once dockerd answers")
	assert.False(t, svc.engineStartupPending())
	assert.GreaterOrEqual(t, engine.Calls("Info"), 2, "tried at start, done later")
	_, err = svc.checkpoints.Read(mine)
	assert.NoError(t, err, "this process's own checkpoint is not reconciled away")
}
