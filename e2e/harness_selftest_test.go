package e2e

// Self-tests of the harness against dockerd alone (no dockercri): when these
// fail, the environment is broken, not the daemon.

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHarnessBusyboxImageRuns(t *testing.T) {
	skipUnlessE2E(t)
	ctx := testCtx(t)
	created, err := dockerCli.ContainerCreate(ctx, &container.Config{
		Image: busyboxImage,
		Cmd:   []string{"sh", "-c", "echo ok; id -u; ls / >/dev/null"},
	}, nil, nil, nil, "dockercri-e2e-selftest-"+runID+"-"+nextName("bb"))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := cleanupCtx()
		defer cancel()
		_ = dockerCli.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true})
	})
	require.NoError(t, dockerCli.ContainerStart(ctx, created.ID, container.StartOptions{}))
	waitC, errC := dockerCli.ContainerWait(ctx, created.ID, container.WaitConditionNotRunning)
	select {
	case res := <-waitC:
		assert.Zero(t, res.StatusCode)
	case err := <-errC:
		t.Fatal(err)
	}
	assert.Equal(t, "ok\n0\n", dockerLogs(&daemon{docker: dockerCli}, created.ID))
}

func TestHarnessRegistryPullWithDockerDirectly(t *testing.T) {
	skipUnlessE2E(t)
	ctx := testCtx(t)
	reg := startRegistry(t, withBasicAuth("u", "p"))
	pushTestImage(t, reg, "selftest/img:v1")
	ref := reg.ref("selftest/img:v1")
	cleanupImage(t, &daemon{docker: dockerCli}, ref)

	authJSON, err := json.Marshal(registry.AuthConfig{Username: "u", Password: "p", ServerAddress: reg.host})
	require.NoError(t, err)
	rc, err := dockerCli.ImagePull(ctx, ref, image.PullOptions{RegistryAuth: base64.URLEncoding.EncodeToString(authJSON)})
	require.NoError(t, err, "dockerd must treat 127.0.0.1 as an insecure registry")
	out, err := io.ReadAll(rc)
	rc.Close()
	require.NoError(t, err)
	_, err = dockerCli.ImageInspect(ctx, ref)
	require.NoError(t, err, "pull output: %s", out)
}
