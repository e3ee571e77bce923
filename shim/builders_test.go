package shim

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/docker/dockertest"
	"github.com/dockercri/dockercri/translate"
)

const (
	testPauseImage = "registry.k8s.io/pause:3.10"
	testAppImage   = "busybox:latest"
)

// testEnv is a Service on a fake engine, with its state directory.
type testEnv struct {
	svc    *Service
	engine *dockertest.Engine
	root   string
	logDir string
	set    envSettings
}

// envSettings is what a testEnv is built from.
type envSettings struct {
	cfg    Config
	engine []dockertest.Option
	host   translate.HostLimits
}

type envOpt func(*envSettings)

func withBuiltinSandboxImage() envOpt {
	return func(s *envSettings) {
		s.cfg.SandboxImage, s.cfg.BuiltinSandboxImage = "dockercri/pause:builtin", "dockercri/pause:builtin"
	}
}

func withEngineOptions(opts ...dockertest.Option) envOpt {
	return func(s *envSettings) { s.engine = append(s.engine, opts...) }
}

// withKernelRRO says the host kernel can make mounts recursively read-only.
func withKernelRRO() envOpt {
	return func(s *envSettings) { s.host.KernelRRO = true }
}

func withConfig(f func(*Config)) envOpt {
	return func(s *envSettings) { f(&s.cfg) }
}

func newTestEnv(t testing.TB, opts ...envOpt) *testEnv {
	t.Helper()
	root := t.TempDir()
	set := envSettings{
		cfg: Config{RootDir: root, SandboxImage: testPauseImage, BuiltinSandboxImage: "dockercri/pause:builtin", NetworkMode: "bridge", Version: "test"},
		engine: []dockertest.Option{
			dockertest.WithImage(image.InspectResponse{RepoTags: []string{testPauseImage}}),
			dockertest.WithImage(image.InspectResponse{RepoTags: []string{testAppImage}}),
		},
		host: translate.HostLimits{CgroupDriver: "cgroupfs", MinOOMScoreAdj: -1000},
	}
	for _, o := range opts {
		o(&set)
	}
	engine := dockertest.New(set.engine...)
	svc, err := newTestService(t, set.cfg, engine, set.host)
	require.NoError(t, err)
	svc.Start(context.Background())
	return &testEnv{svc: svc, engine: engine, root: root, logDir: filepath.Join(t.TempDir(), "pods"), set: set}
}

// restart closes the env's service and starts a new one on the same engine
// and state directory, as a restarted dockercri; deps adjusts its Deps.
func (e *testEnv) restart(t testing.TB, deps func(*Deps)) {
	t.Helper()
	e.svc.Close()
	d := Deps{Engine: e.engine, Host: e.set.host}
	if deps != nil {
		deps(&d)
	}
	svc, err := newTestServiceWith(t, e.set.cfg, d)
	require.NoError(t, err)
	svc.Start(context.Background())
	e.svc = svc
}

func (e *testEnv) checkpointPath(id string) string { return filepath.Join(e.root, "sandbox", id) }

func (e *testEnv) hasCheckpoint(t *testing.T, id string) bool {
	t.Helper()
	_, err := os.Stat(e.checkpointPath(id))
	if os.IsNotExist(err) {
		return false
	}
	require.NoError(t, err)
	return true
}

type sandboxOpt func(*runtimeapi.PodSandboxConfig)

func (e *testEnv) sandboxConfig(opts ...sandboxOpt) *runtimeapi.PodSandboxConfig {
	cfg := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "uid-1", Attempt: 0},
		Hostname:     "web",
		LogDirectory: filepath.Join(e.logDir, "default_web_uid-1"),
		Labels:       map[string]string{"io.kubernetes.pod.name": "web"},
		Annotations:  map[string]string{"seen": "now"},
		Linux: &runtimeapi.LinuxPodSandboxConfig{SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
			NamespaceOptions: &runtimeapi.NamespaceOption{Pid: runtimeapi.NamespaceMode_CONTAINER},
		}},
	}
	for _, o := range opts {
		o(cfg)
	}
	return cfg
}

func withPodName(name string) sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) {
		c.Metadata.Name = name
		c.LogDirectory = filepath.Join(filepath.Dir(c.LogDirectory), "default_"+name+"_uid-1")
	}
}

func withoutLogDirectory() sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) { c.LogDirectory = "" }
}

// runSandbox runs a sandbox and returns its id.
func (e *testEnv) runSandbox(t *testing.T, cfg *runtimeapi.PodSandboxConfig) string {
	t.Helper()
	resp, err := e.svc.RunPodSandbox(context.Background(), &runtimeapi.RunPodSandboxRequest{Config: cfg})
	require.NoError(t, err)
	require.Len(t, resp.PodSandboxId, 64)
	return resp.PodSandboxId
}

type containerOpt func(*runtimeapi.ContainerConfig)

func containerConfig(opts ...containerOpt) *runtimeapi.ContainerConfig {
	cfg := &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "app", Attempt: 0},
		Image:    &runtimeapi.ImageSpec{Image: testAppImage},
		Command:  []string{"sleep", "3600"},
		LogPath:  "app/0.log",
		Labels:   map[string]string{"io.kubernetes.container.name": "app"},
	}
	for _, o := range opts {
		o(cfg)
	}
	return cfg
}

func withContainerName(name string) containerOpt {
	return func(c *runtimeapi.ContainerConfig) {
		c.Metadata.Name = name
		c.LogPath = name + "/0.log"
	}
}

func withImage(ref string) containerOpt {
	return func(c *runtimeapi.ContainerConfig) { c.Image = &runtimeapi.ImageSpec{Image: ref} }
}

// createContainer creates a container in sandbox id and returns its id.
func (e *testEnv) createContainer(t *testing.T, sandboxID string, sandbox *runtimeapi.PodSandboxConfig, cfg *runtimeapi.ContainerConfig) string {
	t.Helper()
	resp, err := e.svc.CreateContainer(context.Background(), &runtimeapi.CreateContainerRequest{
		PodSandboxId: sandboxID, Config: cfg, SandboxConfig: sandbox,
	})
	require.NoError(t, err)
	require.Len(t, resp.ContainerId, 64)
	return resp.ContainerId
}

// newTestService builds a Service and closes it when the test ends, so
// that no goroutine of it outlives the test (goleak checks in TestMain).
func newTestService(t testing.TB, cfg Config, engine docker.Engine, host translate.HostLimits) (*Service, error) {
	t.Helper()
	return newTestServiceWith(t, cfg, Deps{Engine: engine, Host: host})
}

// newTestServiceWith is newTestService with all of Deps.
func newTestServiceWith(t testing.TB, cfg Config, deps Deps) (*Service, error) {
	t.Helper()
	svc, err := New(cfg, deps)
	if err == nil {
		t.Cleanup(svc.Close)
	}
	return svc, err
}
