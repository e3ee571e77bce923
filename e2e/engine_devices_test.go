package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/versions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// dataImage imports an image holding only files (path → content), removed
// at cleanup, and returns its reference.
func dataImage(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	for name, body := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: mtime}))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	ref := "localhost/dockercri-e2e/data:" + runID
	require.NoError(t, importImage(testCtx(t), dockerCli, buf.Bytes(), ref, "data-"+runID))
	t.Cleanup(func() { _ = removeImageQuietly(dockerCli, ref) })
	return ref
}

func withImageMount(image, containerPath, subPath string) containerOpt {
	return func(c *runtimeapi.ContainerConfig) {
		c.Mounts = append(c.Mounts, &runtimeapi.Mount{
			ContainerPath: containerPath, Readonly: true,
			Image: &runtimeapi.ImageSpec{Image: image}, ImageSubPath: subPath,
		})
	}
}

// TestImageVolume: a CRI image volume (KEP-4639) mounts another image's
// files read-only, whole or one sub path, on engines with image mounts (API
// 1.48, Docker 28); older engines refuse it with FailedPrecondition.
func TestImageVolume(t *testing.T) {
	d := startDaemon(t)
	ref := dataImage(t, map[string]string{"srv/message": "hello from an image\n", "top": "top\n"})
	// kubelet mounts the image by the id PullImage/ImageStatus gave it.
	st, err := d.images.ImageStatus(testCtx(t), &runtimeapi.ImageSpec{Image: ref}, false)
	require.NoError(t, err)
	require.NotNil(t, st.GetImage())
	imageID := st.GetImage().GetId()
	sb, sbCfg := runSandbox(t, d)
	api := engineAPI(t)
	if versions.LessThan(api, "1.48") {
		cfg := newContainerConfig(sbCfg)
		withImageMount(imageID, "/vol", "")(cfg)
		_, err := d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		assert.Contains(t, err.Error(), "image volumes need Docker Engine API 1.48")
		return
	}
	id := runContainer(t, d, sb, sbCfg,
		withImageMount(imageID, "/whole", ""), withImageMount(imageID, "/sub", "srv"),
		withShell(`cat /whole/top /whole/srv/message /sub/message; touch /whole/new 2>/dev/null && echo rw || echo ro`))
	assert.Equal(t, "top\nhello from an image\nhello from an image\nro", containerOutput(t, d, id))
	var images []string
	for _, m := range containerStatus(t, d, id).GetMounts() {
		if m.GetImage() != nil {
			images = append(images, m.GetContainerPath())
		}
	}
	assert.ElementsMatch(t, []string{"/whole", "/sub"}, images, "image mounts in ContainerStatus")

	cfg := newContainerConfig(sbCfg)
	withImageMount(imageID, "/vol", "../etc")(cfg)
	_, err = d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)

	// A sub path the image does not have fails CreateContainer (kubelet's
	// CreateContainerError, as on containerd), not the start, and leaves
	// no container behind.
	before := podContainerCount(t, sbCfg)
	cfg = newContainerConfig(sbCfg)
	withImageMount(imageID, "/vol", "not-there")(cfg)
	_, err = d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Contains(t, err.Error(), "not-there")
	assert.Equal(t, before, podContainerCount(t, sbCfg), "the failed create left a container")
}

// podContainerCount counts the Docker containers (any state) of a pod.
func podContainerCount(t *testing.T, sbCfg *runtimeapi.PodSandboxConfig) int {
	t.Helper()
	list, err := dockerCli.ContainerList(testCtx(t), container.ListOptions{
		All: true, Filters: filters.NewArgs(filters.Arg("name", "_"+sbCfg.GetMetadata().GetUid()+"_")),
	})
	require.NoError(t, err)
	return len(list)
}

// TestCDIDevice: CRI CDI devices reach the engine's CDI registry on engines
// that have one; a spec in the engine's spec directory injects a device
// node and an environment variable. Engines without CDI refuse it with
// FailedPrecondition.
func TestCDIDevice(t *testing.T) {
	d := startDaemon(t)
	info, err := dockerCli.Info(testCtx(t))
	require.NoError(t, err)
	sb, sbCfg := runSandbox(t, d)
	device := "dockercri.e2e/test=null-" + runID
	withCDI := func(c *runtimeapi.ContainerConfig) {
		c.CDIDevices = append(c.CDIDevices, &runtimeapi.CDIDevice{Name: device})
	}
	if len(info.CDISpecDirs) == 0 {
		cfg := newContainerConfig(sbCfg)
		withCDI(cfg)
		_, err := d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		assert.Contains(t, err.Error(), "CDI")
		return
	}
	spec := map[string]any{
		"cdiVersion": "0.6.0",
		"kind":       "dockercri.e2e/test",
		"devices": []any{map[string]any{
			"name": "null-" + runID,
			"containerEdits": map[string]any{
				"deviceNodes": []any{map[string]any{"path": "/dev/e2e-null", "hostPath": "/dev/null"}},
				"env":         []string{"DOCKERCRI_CDI=" + runID},
			},
		}},
	}
	body, err := json.Marshal(spec)
	require.NoError(t, err)
	path := filepath.Join(info.CDISpecDirs[0], "dockercri-e2e-"+runID+".json")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, body, 0o644))
	t.Cleanup(func() { os.Remove(path) })

	id := runContainer(t, d, sb, sbCfg, withCDI, withShell(`echo "$DOCKERCRI_CDI"; test -c /dev/e2e-null && echo chardev`))
	assert.Equal(t, runID+"\nchardev", containerOutput(t, d, id))

	cfg := newContainerConfig(sbCfg)
	cfg.CDIDevices = []*runtimeapi.CDIDevice{{Name: "not-qualified"}}
	_, err = d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
}
