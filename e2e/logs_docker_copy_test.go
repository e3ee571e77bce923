package e2e

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestDockerLogCopyIsBounded: Docker's own json-file copy of a container's
// logs is bounded (max-size, max-file), so logs do not fill the disk twice.
func TestDockerLogCopyIsBounded(t *testing.T) {
	d := startDaemon(t, withFlags("--docker-log-max-size", "5m", "--docker-log-max-file", "2"))
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg)
	in, err := dockerCli.ContainerInspect(testCtx(t), id)
	require.NoError(t, err)
	assert.Equal(t, "json-file", in.HostConfig.LogConfig.Type)
	assert.Equal(t, "5m", in.HostConfig.LogConfig.Config["max-size"])
	assert.Equal(t, "2", in.HostConfig.LogConfig.Config["max-file"])
}

// TestNoLogDirectoryLogsOnlyInDocker: without a log directory dockercri
// writes no CRI log; the output stays in Docker.
func TestNoLogDirectoryLogsOnlyInDocker(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d, func(c *runtimeapi.PodSandboxConfig) { c.LogDirectory = "" })
	cfg := newContainerConfigWith(sbCfg, withShell("echo only-in-docker"))
	id, err := d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := cleanupCtx()
		defer cancel()
		_ = d.runtime.RemoveContainer(ctx, id)
	})
	require.NoError(t, d.runtime.StartContainer(testCtx(t), id))
	st := waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
	assert.Empty(t, st.GetLogPath(), "no CRI log path")
	_, err = os.Stat(cfg.LogPath)
	assert.True(t, os.IsNotExist(err), "no file written at the bare log_path")
	assert.Contains(t, dockerLogs(d, id), "only-in-docker")
}
