package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/cridockerd/core"
)

// criDockerdPod makes a pod the way cri-dockerd does: its container names
// and labels, a pause container on Docker's bridge, a checkpoint file in
// its format under <root>/sandbox/<id>, and the container's log path as a
// symlink to Docker's json log.
func criDockerdPod(t *testing.T, root, logDir string) (sandboxID, containerID, logPath string) {
	t.Helper()
	ctx := testCtx(t)
	uid := runID + "-cridockerd-uid"
	name, ns := "legacy-web", testNamespace
	sb, err := dockerCli.ContainerCreate(ctx, &container.Config{
		// cri-dockerd runs its own --pod-infra-container-image, never
		// dockercri's built-in one (which a fresh dockerd does not have
		// before dockercri first starts): a shell that exits on SIGTERM.
		Image: busyboxImage, Cmd: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"},
		Labels: map[string]string{
			"io.kubernetes.docker.type": "podsandbox", "io.kubernetes.pod.name": name,
			"io.kubernetes.pod.namespace": ns, "io.kubernetes.pod.uid": uid,
			"annotation.kubernetes.io/config.source": "api",
		},
	}, &container.HostConfig{NetworkMode: "bridge", IpcMode: "shareable"}, nil, nil,
		"k8s_POD_"+name+"_"+ns+"_"+uid+"_0")
	require.NoError(t, err)
	t.Cleanup(func() {
		cctx, cancel := cleanupCtx()
		defer cancel()
		_ = dockerCli.ContainerRemove(cctx, sb.ID, container.RemoveOptions{Force: true})
	})
	require.NoError(t, dockerCli.ContainerStart(ctx, sb.ID, container.StartOptions{}))

	logPath = filepath.Join(logDir, "web", "0.log")
	ctr, err := dockerCli.ContainerCreate(ctx, &container.Config{
		Image: busyboxImage, Cmd: []string{"sh", "-c", "echo from-cri-dockerd; sleep 3600"},
		Labels: map[string]string{
			"io.kubernetes.docker.type": "container", "io.kubernetes.sandbox.id": sb.ID,
			"io.kubernetes.container.logpath": logPath, "io.kubernetes.container.name": "web",
			"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": ns, "io.kubernetes.pod.uid": uid,
		},
	}, &container.HostConfig{
		NetworkMode: container.NetworkMode("container:" + sb.ID), IpcMode: container.IpcMode("container:" + sb.ID),
	}, nil, nil, "k8s_web_"+name+"_"+ns+"_"+uid+"_0")
	require.NoError(t, err)
	t.Cleanup(func() {
		cctx, cancel := cleanupCtx()
		defer cancel()
		_ = dockerCli.ContainerRemove(cctx, ctr.ID, container.RemoveOptions{Force: true})
	})
	require.NoError(t, dockerCli.ContainerStart(ctx, ctr.ID, container.StartOptions{}))
	in, err := dockerCli.ContainerInspect(ctx, ctr.ID)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(logPath), 0o755))
	require.NoError(t, os.Symlink(in.LogPath, logPath))

	// cri-dockerd's checkpoint, with the checksum cri-dockerd computes
	// (dockercri verifies it).
	cp, err := json.Marshal(map[string]any{
		"version": "v1", "name": name, "namespace": ns,
		"data":     map[string]any{},
		"checksum": core.Checksum(core.CheckpointData{}),
	})
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(root, "sandbox"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(root, "sandbox", sb.ID), cp, 0o600))
	return sb.ID, ctr.ID, logPath
}

// TestAdoptCriDockerdPods: a node switches from cri-dockerd to dockercri on
// the same root directory without restarting pods: everything cri-dockerd
// made is listed with the same ids and IP, its log becomes a CRI log, and it
// can be stopped and removed.
func TestAdoptCriDockerdPods(t *testing.T) {
	skipUnlessE2E(t)
	root := t.TempDir()
	sb, ctr, logPath := criDockerdPod(t, root, t.TempDir())
	time.Sleep(500 * time.Millisecond) // the container prints before the switch
	inspect, err := dockerCli.ContainerInspect(testCtx(t), sb)
	require.NoError(t, err)
	dockerIP := inspect.NetworkSettings.IPAddress

	d := startDaemon(t, withRootDir(root))
	pods, err := d.runtime.ListPodSandbox(testCtx(t), &runtimeapi.PodSandboxFilter{Id: sb})
	require.NoError(t, err)
	require.Len(t, pods, 1)
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_READY, pods[0].State)
	assert.Equal(t, "legacy-web", pods[0].Metadata.Name)
	st, err := d.runtime.PodSandboxStatus(testCtx(t), sb, false)
	require.NoError(t, err)
	assert.Equal(t, dockerIP, st.GetStatus().GetNetwork().GetIp())

	ctrs, err := d.runtime.ListContainers(testCtx(t), &runtimeapi.ContainerFilter{PodSandboxId: sb})
	require.NoError(t, err)
	require.Len(t, ctrs, 1)
	assert.Equal(t, ctr, ctrs[0].Id)
	cs := containerStatus(t, d, ctr)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, cs.State)
	assert.Equal(t, logPath, cs.LogPath)

	// The symlink into Docker's json log became a CRI log with the history.
	require.True(t, eventually(10*time.Second, func() bool {
		fi, err := os.Lstat(logPath)
		if err != nil || fi.Mode()&os.ModeSymlink != 0 {
			return false
		}
		out, err := readCRILog(logPath)
		return err == nil && out == "from-cri-dockerd\n"
	}), "cri-dockerd's log link did not become a CRI log holding the earlier output")

	require.NoError(t, d.runtime.StopContainer(testCtx(t), ctr, 0))
	require.NoError(t, d.runtime.RemoveContainer(testCtx(t), ctr))
	require.NoError(t, d.runtime.StopPodSandbox(testCtx(t), sb))
	require.NoError(t, d.runtime.RemovePodSandbox(testCtx(t), sb))
	assert.NoFileExists(t, filepath.Join(root, "sandbox", sb))
	assert.Empty(t, dockerNamesWith(t, runID+"-cridockerd-uid"))
}
