package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// nameSeq makes pod and container names unique within a run.
var nameSeq atomic.Int64

func nextName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, nameSeq.Add(1))
}

// sandboxOpt edits a PodSandboxConfig before RunPodSandbox.
type sandboxOpt func(*runtimeapi.PodSandboxConfig)

func withSandboxLabels(kv map[string]string) sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) {
		for k, v := range kv {
			c.Labels[k] = v
		}
	}
}

func withSandboxAnnotations(kv map[string]string) sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) {
		for k, v := range kv {
			c.Annotations[k] = v
		}
	}
}

func withHostNetwork() sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) {
		c.Linux.SecurityContext.NamespaceOptions.Network = runtimeapi.NamespaceMode_NODE
	}
}

// withPidMode sets the pod's PID namespace mode (POD shares it between
// containers, NODE is the host's).
func withPidMode(mode runtimeapi.NamespaceMode) sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) {
		c.Linux.SecurityContext.NamespaceOptions.Pid = mode
	}
}

func withSysctls(kv map[string]string) sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) {
		if c.Linux.Sysctls == nil {
			c.Linux.Sysctls = map[string]string{}
		}
		for k, v := range kv {
			c.Linux.Sysctls[k] = v
		}
	}
}

// newSandboxConfig returns a kubelet-like config with a unique pod name/uid.
func newSandboxConfig(t testing.TB) *runtimeapi.PodSandboxConfig {
	name := nextName("pod")
	uid := fmt.Sprintf("%s-%s-uid", runID, name)
	logDir, err := os.MkdirTemp("", "dcri-pod-logs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(logDir) })
	return &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{
			Name: name, Namespace: testNamespace, Uid: uid, Attempt: 0,
		},
		Hostname:     name,
		LogDirectory: logDir,
		Labels: map[string]string{
			"io.kubernetes.pod.name":      name,
			"io.kubernetes.pod.namespace": testNamespace,
			"io.kubernetes.pod.uid":       uid,
			"e2e.dockercri.io/run":        runID,
		},
		Annotations: map[string]string{
			"kubernetes.io/config.source": "e2e",
		},
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
				NamespaceOptions: &runtimeapi.NamespaceOption{
					Network: runtimeapi.NamespaceMode_POD,
					Pid:     runtimeapi.NamespaceMode_CONTAINER,
					Ipc:     runtimeapi.NamespaceMode_POD,
				},
			},
		},
	}
}

// runSandbox runs a pod sandbox and registers its stop+remove (and a
// Docker-level sweep of its containers) as cleanup. It fails the test if
// RunPodSandbox fails.
func runSandbox(t testing.TB, d *daemon, opts ...sandboxOpt) (string, *runtimeapi.PodSandboxConfig) {
	t.Helper()
	cfg := newSandboxConfig(t)
	for _, o := range opts {
		o(cfg)
	}
	id, err := tryRunSandbox(t, d, cfg)
	if err != nil {
		t.Fatalf("RunPodSandbox(%s): %v", cfg.GetMetadata().GetName(), err)
	}
	return id, cfg
}

// tryRunSandbox calls RunPodSandbox with cfg as is and registers cleanup of
// whatever it made, even when it fails (a failed run must leave nothing).
func tryRunSandbox(t testing.TB, d *daemon, cfg *runtimeapi.PodSandboxConfig) (string, error) {
	t.Helper()
	id, err := d.runtime.RunPodSandbox(testCtx(t), cfg, "")
	if err != nil {
		t.Cleanup(func() {
			if n := removePodContainers(t, cfg, d.isKnown); n > 0 {
				t.Errorf("failed RunPodSandbox(%s) left %d docker container(s)", cfg.GetMetadata().GetName(), n)
			}
		})
		return "", err
	}
	d.addKnown(id)
	registerSandboxCleanup(t, d, id, cfg)
	return id, nil
}

// registerSandboxCleanup stops and removes sandbox id through CRI, then
// force-removes through Docker whatever containers of the pod remain.
func registerSandboxCleanup(t testing.TB, d *daemon, id string, cfg *runtimeapi.PodSandboxConfig) {
	t.Cleanup(func() {
		if d.running() {
			ctx, cancel := cleanupCtx()
			if err := d.runtime.StopPodSandbox(ctx, id); err != nil {
				t.Errorf("cleanup: StopPodSandbox(%s): %v", id, err)
			}
			cancel()
			ctx, cancel = cleanupCtx()
			if err := d.runtime.RemovePodSandbox(ctx, id); err != nil {
				t.Errorf("cleanup: RemovePodSandbox(%s): %v", id, err)
			}
			cancel()
		}
		if n := removePodContainers(t, cfg, nil); n > 0 && d.running() {
			t.Errorf("cleanup: %d docker container(s) of pod %s were left after RemovePodSandbox", n, cfg.GetMetadata().GetName())
		}
	})
}

// removePodContainers force-removes every docker container whose name holds
// the pod's uid (except those skip accepts), returning how many there were.
func removePodContainers(t testing.TB, cfg *runtimeapi.PodSandboxConfig, skip func(id string) bool) int {
	uid := cfg.GetMetadata().GetUid()
	if uid == "" {
		return 0
	}
	ctx, cancel := cleanupCtx()
	defer cancel()
	list, err := dockerCli.ContainerList(ctx, container.ListOptions{
		All: true, Filters: filters.NewArgs(filters.Arg("name", "_"+uid+"_")),
	})
	if err != nil {
		t.Logf("cleanup: docker list: %v", err)
		return 0
	}
	n := 0
	for _, c := range list {
		if skip != nil && skip(c.ID) {
			continue
		}
		n++
		t.Logf("cleanup: force-removing docker container %s %v", c.ID[:12], c.Names)
		if err := dockerCli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil {
			t.Logf("cleanup: docker remove %s: %v", c.ID[:12], err)
		}
	}
	return n
}

// checkpointPath is where the daemon keeps the sandbox checkpoint.
func (d *daemon) checkpointPath(sandboxID string) string {
	return filepath.Join(d.rootDir, "sandbox", sandboxID)
}
