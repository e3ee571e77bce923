package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// crictlCLI runs the real crictl binary against one daemon, as a user would.
type crictlCLI struct {
	t        *testing.T
	bin      string
	endpoint string
	config   string // an empty crictl.yaml, so /etc/crictl.yaml is never read
}

// newCrictl skips t unless $CRICTL names the binary; set endpoint before use.
func newCrictl(t *testing.T) *crictlCLI {
	bin := os.Getenv("CRICTL")
	if bin == "" {
		t.Skip("set CRICTL=/path/to/crictl to run the crictl workflow (`make e2e` builds bin/crictl and sets it)")
	}
	cfg := filepath.Join(t.TempDir(), "crictl.yaml")
	require.NoError(t, os.WriteFile(cfg, nil, 0o644))
	return &crictlCLI{t: t, bin: bin, config: cfg}
}

// run runs `crictl <args>` and returns its stdout; a non-zero exit fails the test.
func (c *crictlCLI) run(args ...string) string {
	c.t.Helper()
	out, stderr, err := c.exec(args...)
	if err != nil {
		c.t.Fatalf("crictl %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, stderr)
	}
	return out
}

// exec runs `crictl <args>` with a bounded time and returns stdout, stderr.
func (c *crictlCLI) exec(args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := append([]string{"--config", c.config, "--runtime-endpoint", c.endpoint,
		"--image-endpoint", c.endpoint, "--timeout", "60s"}, args...)
	cmd := exec.CommandContext(ctx, c.bin, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// crictlJSON runs crictl and decodes its stdout into a fresh T.
func crictlJSON[T any](c *crictlCLI, args ...string) T {
	c.t.Helper()
	var v T
	out := c.run(args...)
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		c.t.Fatalf("crictl %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// Shapes of crictl's JSON output (protojson: camelCase, int64 as strings).
type (
	crictlMeta struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
		UID       string `json:"uid"`
		Attempt   int    `json:"attempt"`
	}
	crictlPod struct {
		ID       string     `json:"id"`
		Metadata crictlMeta `json:"metadata"`
		State    string     `json:"state"`
	}
	crictlContainer struct {
		ID           string     `json:"id"`
		PodSandboxID string     `json:"podSandboxId"`
		Metadata     crictlMeta `json:"metadata"`
		Image        struct {
			Image string `json:"image"`
		} `json:"image"`
		State string `json:"state"`
	}
	crictlImage struct {
		ID       string   `json:"id"`
		RepoTags []string `json:"repoTags"`
		Pinned   bool     `json:"pinned"`
	}
	crictlPS     struct{ Containers []crictlContainer }
	crictlPods   struct{ Items []crictlPod }
	crictlImages struct{ Images []crictlImage }
	crictlInfo   struct {
		Status struct {
			Conditions []struct {
				Type   string `json:"type"`
				Status bool   `json:"status"`
			} `json:"conditions"`
		} `json:"status"`
	}
	crictlInspect struct { // inspect and inspectp
		Status struct {
			ID       string     `json:"id"`
			State    string     `json:"state"`
			Metadata crictlMeta `json:"metadata"`
			Image    struct {
				Image string `json:"image"`
			} `json:"image"`
			LogPath string `json:"logPath"`
		} `json:"status"`
	}
	crictlFsInfo struct {
		Status struct {
			ImageFilesystems []struct {
				FsID struct {
					Mountpoint string `json:"mountpoint"`
				} `json:"fsId"`
			} `json:"imageFilesystems"`
		} `json:"status"`
	}
)

func writeJSON(t *testing.T, path string, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

func TestCrictlWorkflow(t *testing.T) {
	skipUnlessE2E(t)
	c := newCrictl(t)
	d := startDaemon(t)
	c.endpoint = d.endpoint
	dir := t.TempDir()
	logDir := filepath.Join(dir, "logs")
	require.NoError(t, os.MkdirAll(logDir, 0o755))

	podName, ctrName := nextName("crictl-pod"), nextName("crictl-ctr")
	uid := runID + "-" + podName + "-uid"
	wantMeta := crictlMeta{Name: podName, Namespace: testNamespace, UID: uid, Attempt: 1}
	podJSON, ctrJSON := filepath.Join(dir, "pod.json"), filepath.Join(dir, "container.json")
	writeJSON(t, podJSON, map[string]any{
		"metadata":      map[string]any{"name": podName, "namespace": testNamespace, "uid": uid, "attempt": 1},
		"log_directory": logDir,
		"linux":         map[string]any{},
	})
	writeJSON(t, ctrJSON, map[string]any{
		"metadata": map[string]any{"name": ctrName},
		"image":    map[string]any{"image": busyboxImage},
		"command":  []string{"sh", "-c", "echo hello-crictl; sleep 3600"},
		"log_path": ctrName + "/0.log",
		"linux":    map[string]any{},
	})

	// version and info
	version := c.run("version")
	assert.Regexp(t, `(?m)^RuntimeName:\s+docker$`, version)
	assert.Regexp(t, `(?m)^RuntimeApiVersion:\s+v1$`, version)
	info := crictlJSON[crictlInfo](c, "info", "-o", "json")
	ready := map[string]bool{}
	for _, cond := range info.Status.Conditions {
		ready[cond.Type] = cond.Status
	}
	assert.True(t, ready["RuntimeReady"], "info conditions: %+v", info.Status.Conditions)
	assert.True(t, ready["NetworkReady"], "info conditions: %+v", info.Status.Conditions)

	// runp, create, start
	podID := strings.TrimSpace(c.run("runp", podJSON))
	require.Regexp(t, `^[0-9a-f]{64}$`, podID, "runp must print the pod id")
	registerSandboxCleanup(t, d, podID, &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{Name: podName, Namespace: testNamespace, Uid: uid, Attempt: 1},
	})
	ctrID := strings.TrimSpace(c.run("create", "--no-pull", podID, ctrJSON, podJSON))
	require.Regexp(t, `^[0-9a-f]{64}$`, ctrID, "create must print the container id")
	t.Cleanup(func() { // harmless once `rm` ran: both calls are idempotent
		ctx, cancel := cleanupCtx()
		defer cancel()
		_ = d.runtime.StopContainer(ctx, ctrID, 0)
		_ = d.runtime.RemoveContainer(ctx, ctrID)
	})
	assert.Equal(t, ctrID, strings.TrimSpace(c.run("start", ctrID)))

	// ps and pods
	ps := crictlJSON[crictlPS](c, "ps", "-a", "-o", "json")
	ctr := findCrictlContainer(ps.Containers, ctrID)
	require.NotNil(t, ctr, "ps -a does not list %s: %+v", ctrID, ps.Containers)
	assert.Equal(t, podID, ctr.PodSandboxID)
	assert.Equal(t, ctrName, ctr.Metadata.Name)
	assert.Equal(t, busyboxImage, ctr.Image.Image)
	assert.Equal(t, "CONTAINER_RUNNING", ctr.State)
	pods := crictlJSON[crictlPods](c, "pods", "-o", "json")
	pod := findCrictlPod(pods.Items, podID)
	require.NotNil(t, pod, "pods does not list %s: %+v", podID, pods.Items)
	assert.Equal(t, wantMeta, pod.Metadata)
	assert.Equal(t, "SANDBOX_READY", pod.State)

	// inspect and inspectp
	insp := crictlJSON[crictlInspect](c, "inspect", "-o", "json", ctrID)
	assert.Equal(t, ctrID, insp.Status.ID)
	assert.Equal(t, "CONTAINER_RUNNING", insp.Status.State)
	assert.Equal(t, ctrName, insp.Status.Metadata.Name)
	assert.Equal(t, busyboxImage, insp.Status.Image.Image)
	wantLog := filepath.Join(logDir, ctrName, "0.log")
	assert.Equal(t, wantLog, insp.Status.LogPath)
	var logText string
	if !eventually(15*time.Second, func() bool {
		logText, _ = readCRILog(wantLog)
		return strings.Contains(logText, "hello-crictl")
	}) {
		t.Errorf("log %s does not contain hello-crictl: %q", wantLog, logText)
	}
	inspp := crictlJSON[crictlInspect](c, "inspectp", "-o", "json", podID)
	assert.Equal(t, podID, inspp.Status.ID)
	assert.Equal(t, "SANDBOX_READY", inspp.Status.State)
	assert.Equal(t, wantMeta, inspp.Status.Metadata)

	// stop, rm
	assert.Equal(t, ctrID, strings.TrimSpace(c.run("stop", ctrID)))
	insp = crictlJSON[crictlInspect](c, "inspect", "-o", "json", ctrID)
	assert.Equal(t, "CONTAINER_EXITED", insp.Status.State)
	c.run("rm", ctrID)
	ps = crictlJSON[crictlPS](c, "ps", "-a", "-o", "json")
	assert.Nil(t, findCrictlContainer(ps.Containers, ctrID), "ps -a still lists %s after rm", ctrID)

	// stopp, rmp
	c.run("stopp", podID)
	pods = crictlJSON[crictlPods](c, "pods", "-o", "json")
	if pod := findCrictlPod(pods.Items, podID); assert.NotNil(t, pod, "pods does not list the stopped pod") {
		assert.Equal(t, "SANDBOX_NOTREADY", pod.State)
	}
	c.run("rmp", podID)
	pods = crictlJSON[crictlPods](c, "pods", "-o", "json")
	assert.Nil(t, findCrictlPod(pods.Items, podID), "pods still lists %s after rmp", podID)

	// images, imagefsinfo
	imgs := crictlJSON[crictlImages](c, "images", "-o", "json")
	if img := findCrictlImage(imgs.Images, pauseImage); assert.NotNil(t, img, "images does not list %s", pauseImage) {
		assert.True(t, img.Pinned, "the sandbox image must be listed pinned")
	}
	assert.NotNil(t, findCrictlImage(imgs.Images, busyboxImage), "images does not list %s", busyboxImage)
	fsInfo := crictlJSON[crictlFsInfo](c, "imagefsinfo", "-o", "json")
	dockerInfo, err := d.docker.Info(testCtx(t))
	require.NoError(t, err)
	if assert.Len(t, fsInfo.Status.ImageFilesystems, 1, "imagefsinfo: %+v", fsInfo) {
		want := dockerInfo.DockerRootDir
		if containerdStore(dockerInfo) {
			// Images live in containerd's snapshotter, not Docker's root.
			want = filepath.Join(engineContainerdRoot(t), "io.containerd.snapshotter.v1."+dockerInfo.Driver)
		}
		assert.Equal(t, want, fsInfo.Status.ImageFilesystems[0].FsID.Mountpoint)
	}

	// pull, rmi
	reg := startRegistry(t)
	pushTestImage(t, reg, "e2e/crictl:v1")
	ref := reg.ref("e2e/crictl:v1")
	cleanupImage(t, d, ref)
	pullOut := c.run("pull", ref)
	imgs = crictlJSON[crictlImages](c, "images", "-o", "json")
	pulled := findCrictlImage(imgs.Images, ref)
	require.NotNil(t, pulled, "images does not list the pulled %s", ref)
	pulledID := pulled.ID
	assert.Contains(t, pullOut, pulledID, "pull must print the image ref")
	inspected, err := d.docker.ImageInspect(testCtx(t), ref)
	require.NoError(t, err, "dockerd should hold the pulled image")
	assert.Equal(t, inspected.ID, pulledID)
	c.run("rmi", ref)
	imgs = crictlJSON[crictlImages](c, "images", "-o", "json")
	assert.Nil(t, crictlFind(imgs.Images, func(i crictlImage) bool { return i.ID == pulledID }),
		"images still lists %s (%s) after rmi", ref, pulledID)
	_, err = d.docker.ImageInspect(testCtx(t), pulledID)
	assert.Error(t, err, "dockerd still holds %s after rmi", pulledID)
}

// crictlFind returns the first element of list that match accepts, or nil.
func crictlFind[T any](list []T, match func(T) bool) *T {
	for i := range list {
		if match(list[i]) {
			return &list[i]
		}
	}
	return nil
}

func findCrictlContainer(l []crictlContainer, id string) *crictlContainer {
	return crictlFind(l, func(c crictlContainer) bool { return c.ID == id })
}
func findCrictlPod(l []crictlPod, id string) *crictlPod {
	return crictlFind(l, func(p crictlPod) bool { return p.ID == id })
}
func findCrictlImage(l []crictlImage, tag string) *crictlImage {
	return crictlFind(l, func(i crictlImage) bool { return slices.Contains(i.RepoTags, tag) })
}
