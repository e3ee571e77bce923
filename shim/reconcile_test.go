package shim

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/docker/dockertest"
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
	svc, err := New(Config{RootDir: root, SandboxImage: testPauseImage, NetworkMode: "bridge"}, engine, translate.HostLimits{MinOOMScoreAdj: -1000})
	require.NoError(t, err)
	require.NoError(t, svc.checkpoints.write(recorded, &sandboxCheckpoint{Name: "b", Namespace: "ns"}))
	svc.Start(ctx)
	defer svc.Close()

	_, err = engine.InspectContainer(ctx, orphan)
	assert.True(t, docker.IsNotFound(err), "the old unrecorded orphan is removed")
	_, err = engine.InspectContainer(ctx, recorded)
	assert.NoError(t, err, "a recorded sandbox is left for kubelet")
	_, err = engine.InspectContainer(ctx, young)
	assert.NoError(t, err, "a young one may be a RunPodSandbox in flight")
}
