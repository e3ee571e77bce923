package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// containerOpt edits a ContainerConfig before CreateContainer.
type containerOpt func(*runtimeapi.ContainerConfig)

// withCommand sets the command (CRI command = Docker entrypoint) and clears args.
func withCommand(argv ...string) containerOpt {
	return func(c *runtimeapi.ContainerConfig) { c.Command, c.Args = argv, nil }
}

// withShell runs `sh -c script`.
func withShell(script string) containerOpt {
	return withCommand("sh", "-c", script)
}

func withImage(ref string) containerOpt {
	return func(c *runtimeapi.ContainerConfig) { c.Image = &runtimeapi.ImageSpec{Image: ref} }
}

func withEnv(key, value string) containerOpt {
	return func(c *runtimeapi.ContainerConfig) {
		c.Envs = append(c.Envs, &runtimeapi.KeyValue{Key: key, Value: []byte(value)})
	}
}

func withWorkingDir(dir string) containerOpt {
	return func(c *runtimeapi.ContainerConfig) { c.WorkingDir = dir }
}

func withMount(hostPath, containerPath string, readonly bool) containerOpt {
	return func(c *runtimeapi.ContainerConfig) {
		c.Mounts = append(c.Mounts, &runtimeapi.Mount{HostPath: hostPath, ContainerPath: containerPath, Readonly: readonly})
	}
}

func withRunAsUser(uid int64) containerOpt {
	return func(c *runtimeapi.ContainerConfig) {
		c.Linux.SecurityContext.RunAsUser = &runtimeapi.Int64Value{Value: uid}
	}
}

func withReadonlyRootfs() containerOpt {
	return func(c *runtimeapi.ContainerConfig) { c.Linux.SecurityContext.ReadonlyRootfs = true }
}

func withCapabilities(add, drop []string) containerOpt {
	return func(c *runtimeapi.ContainerConfig) {
		c.Linux.SecurityContext.Capabilities = &runtimeapi.Capability{AddCapabilities: add, DropCapabilities: drop}
	}
}

func withContainerLabels(kv map[string]string) containerOpt {
	return func(c *runtimeapi.ContainerConfig) {
		for k, v := range kv {
			c.Labels[k] = v
		}
	}
}

func withContainerAnnotations(kv map[string]string) containerOpt {
	return func(c *runtimeapi.ContainerConfig) {
		for k, v := range kv {
			c.Annotations[k] = v
		}
	}
}

// newContainerConfig returns a kubelet-like config: busybox `sleep 3600`,
// log path <name>/0.log, namespace options copied from the pod.
func newContainerConfig(sandboxCfg *runtimeapi.PodSandboxConfig) *runtimeapi.ContainerConfig {
	name := nextName("ctr")
	md := sandboxCfg.GetMetadata()
	nsOpts := &runtimeapi.NamespaceOption{}
	if o := sandboxCfg.GetLinux().GetSecurityContext().GetNamespaceOptions(); o != nil {
		nsOpts = proto.Clone(o).(*runtimeapi.NamespaceOption)
	}
	return &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: name, Attempt: 0},
		Image:    &runtimeapi.ImageSpec{Image: busyboxImage},
		Command:  []string{"sleep", "3600"},
		LogPath:  filepath.Join(name, "0.log"),
		Labels: map[string]string{
			"io.kubernetes.container.name": name,
			"io.kubernetes.pod.name":       md.GetName(),
			"io.kubernetes.pod.namespace":  md.GetNamespace(),
			"io.kubernetes.pod.uid":        md.GetUid(),
		},
		Annotations: map[string]string{"io.kubernetes.container.restartCount": "0"},
		Linux: &runtimeapi.LinuxContainerConfig{
			SecurityContext: &runtimeapi.LinuxContainerSecurityContext{NamespaceOptions: nsOpts},
		},
	}
}

// createContainer creates a container in the sandbox (not started) and
// registers its stop+remove as cleanup. Like kubelet, it creates the
// container's log directory first.
func createContainer(t testing.TB, d *daemon, sandboxID string, sandboxCfg *runtimeapi.PodSandboxConfig, opts ...containerOpt) (string, *runtimeapi.ContainerConfig) {
	t.Helper()
	cfg := newContainerConfig(sandboxCfg)
	for _, o := range opts {
		o(cfg)
	}
	logFile := filepath.Join(sandboxCfg.GetLogDirectory(), cfg.GetLogPath())
	if err := os.MkdirAll(filepath.Dir(logFile), 0o755); err != nil {
		t.Fatal(err)
	}
	id, err := d.runtime.CreateContainer(testCtx(t), sandboxID, cfg, sandboxCfg)
	if err != nil {
		t.Fatalf("CreateContainer(%s): %v", cfg.GetMetadata().GetName(), err)
	}
	d.addKnown(id)
	d.setLogPath(id, logFile)
	t.Cleanup(func() {
		if !d.running() {
			return
		}
		ctx, cancel := cleanupCtx()
		defer cancel()
		if err := d.runtime.StopContainer(ctx, id, 0); err != nil {
			t.Errorf("cleanup: StopContainer(%s): %v", id, err)
		}
		if err := d.runtime.RemoveContainer(ctx, id); err != nil {
			t.Errorf("cleanup: RemoveContainer(%s): %v", id, err)
		}
	})
	return id, cfg
}

// startContainer starts id and fails the test on error.
func startContainer(t testing.TB, d *daemon, id string) {
	t.Helper()
	if err := d.runtime.StartContainer(testCtx(t), id); err != nil {
		t.Fatalf("StartContainer(%s): %v", id, err)
	}
}

// runContainer creates and starts a container.
func runContainer(t testing.TB, d *daemon, sandboxID string, sandboxCfg *runtimeapi.PodSandboxConfig, opts ...containerOpt) string {
	t.Helper()
	id, _ := createContainer(t, d, sandboxID, sandboxCfg, opts...)
	startContainer(t, d, id)
	return id
}

// containerStatus returns the CRI status of id, failing the test on error.
func containerStatus(t testing.TB, d *daemon, id string) *runtimeapi.ContainerStatus {
	t.Helper()
	resp, err := d.runtime.ContainerStatus(testCtx(t), id, false)
	if err != nil {
		t.Fatalf("ContainerStatus(%s): %v", id, err)
	}
	if resp.GetStatus() == nil {
		t.Fatalf("ContainerStatus(%s): nil status", id)
	}
	return resp.GetStatus()
}

// waitContainerState polls ContainerStatus until id reaches state.
func waitContainerState(t testing.TB, d *daemon, id string, state runtimeapi.ContainerState, timeout time.Duration) *runtimeapi.ContainerStatus {
	t.Helper()
	var st *runtimeapi.ContainerStatus
	if !eventually(timeout, func() bool {
		st = containerStatus(t, d, id)
		return st.GetState() == state
	}) {
		t.Fatalf("container %s: state %v after %s, want %v (reason %q, message %q, exit %d)",
			id, st.GetState(), timeout, state, st.GetReason(), st.GetMessage(), st.GetExitCode())
	}
	return st
}

// sandboxStatus returns the CRI status of a sandbox, failing the test on error.
func sandboxStatus(t testing.TB, d *daemon, id string) *runtimeapi.PodSandboxStatus {
	t.Helper()
	resp, err := d.runtime.PodSandboxStatus(testCtx(t), id, false)
	if err != nil {
		t.Fatalf("PodSandboxStatus(%s): %v", id, err)
	}
	if resp.GetStatus() == nil {
		t.Fatalf("PodSandboxStatus(%s): nil status", id)
	}
	return resp.GetStatus()
}

// containerConfig is short for option literals in tests.
type containerConfig = runtimeapi.ContainerConfig
