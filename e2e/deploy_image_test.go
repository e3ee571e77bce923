package e2e

import (
	"context"
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

	"github.com/dockercri/dockercri/internal/hostprobe"
)

// TestImageDeployment runs dockercri the way docs/deploy.md deploys it: the
// project's image as a privileged container with the host's PID and cgroup
// namespaces and network, the Docker socket and the node's directories
// mounted. A pod runs through it and its stats come from the host's
// cgroups. Without --pid=host or --cgroupns=host the container refuses to
// start and names the flag. Privileged containers cannot run on a host
// whose capability bounding set lacks CAP_SYS_RESOURCE (this VM); the
// cgroup v2 guest of make test-cgroupv2 runs it.
func TestImageDeployment(t *testing.T) {
	skipUnlessE2E(t)
	if missing, err := hostprobe.MissingCapabilities(); err == nil && slices.Contains(missing, "CAP_SYS_RESOURCE") {
		t.Skip("privileged containers cannot run on this host (its capability bounding set lacks CAP_SYS_RESOURCE); make test-cgroupv2 runs this test in its guest")
	}
	tag := buildDeployImage(t)
	sock := strings.TrimPrefix(dockerEndpoint(), "unix://")
	if real, err := filepath.EvalSymlinks(sock); err == nil {
		sock = real
	}
	// The flags of docs/deploy.md, with this test's own socket and state
	// directory (/run and /tmp are the host's in the container).
	deploy := func(name string, nsFlags ...string) (dir string, args []string) {
		dir, err := os.MkdirTemp("/run", "dcri-deploy-")
		require.NoError(t, err)
		t.Cleanup(func() { os.RemoveAll(dir) })
		args = append([]string{"run", "--name", name, "--privileged", "--network=host"}, nsFlags...)
		args = append(args,
			"-v", sock+":"+sock, "-v", "/run:/run", "-v", "/tmp:/tmp",
			"-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro", "-v", "/var/lib:/var/lib:ro",
			tag, "--container-runtime-endpoint", "unix://"+filepath.Join(dir, "cri.sock"),
			"--docker-endpoint", "unix://"+sock, "--root-directory", filepath.Join(dir, "root"),
			"--network-plugin=", "--streaming-bind-addr", "127.0.0.1:0", "--log-level", "debug")
		args = append(args, strings.Fields(os.Getenv("DOCKERCRI_E2E_DAEMON_FLAGS"))...)
		t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
		return dir, args
	}

	t.Run("refuses without the host's namespaces", func(t *testing.T) {
		for flag, ns := range map[string][]string{
			"--pid=host":      {"--cgroupns=host"},
			"--cgroupns=host": {"--pid=host", "--cgroupns=private"},
		} {
			_, args := deploy("dcri-e2e-deploy-no-"+strings.TrimSuffix(strings.TrimPrefix(flag, "--"), "=host")+"-"+runID, ns...)
			ctx, cancel := context.WithTimeout(testCtx(t), time.Minute)
			out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
			cancel()
			require.Error(t, err, "dockercri started without %s:\n%s", flag, out)
			assert.Contains(t, string(out), flag, "the refusal names the missing flag")
			t.Logf("without %s: %s", flag, strings.TrimSpace(string(out)))
		}
	})

	name := "dcri-e2e-deploy-" + runID
	dir, args := deploy(name, "--pid=host", "--cgroupns=host")
	args = slices.Insert(args, 1, "-d")
	out, err := exec.Command("docker", args...).CombinedOutput()
	require.NoError(t, err, "docker run: %s", out)
	d := &daemon{
		socketPath: filepath.Join(dir, "cri.sock"), rootDir: filepath.Join(dir, "root"),
		docker: dockerCli, done: make(chan struct{}), logPaths: map[string]string{}, known: map[string]bool{},
	}
	d.endpoint = "unix://" + d.socketPath
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := exec.Command("docker", "logs", "--tail", "200", name).CombinedOutput()
			t.Logf("dockercri container logs:\n%s", logs)
		}
		if d.runtime != nil {
			_ = d.runtime.Close(quietCtx())
		}
	})
	require.NoError(t, d.connect(), "dockercri in its container did not answer")

	info, err := dockerCli.Info(testCtx(t))
	require.NoError(t, err)
	cfg, err := d.runtime.RuntimeConfig(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, info.CgroupDriver, strings.ToLower(cfg.GetLinux().GetCgroupDriver().String()), "RuntimeConfig reports Docker's cgroup driver")

	sb, sbCfg := runSandbox(t, d)
	ctr := runContainer(t, d, sb, sbCfg, withShell(`head -c 20971520 /dev/zero > /dev/shm/fill; while true; do :; done`))
	var st *runtimeapi.ContainerStats
	require.True(t, eventually(30*time.Second, func() bool {
		st, err = d.runtime.ContainerStats(testCtx(t), ctr)
		return err == nil && st.GetMemory().GetWorkingSetBytes().GetValue() >= 20<<20 &&
			st.GetCpu().GetUsageCoreNanoSeconds().GetValue() > 0
	}), "stats from the host's cgroups never showed the container's 20 MiB and CPU time: %v %v", st, err)
	ps, err := d.runtime.PodSandboxStats(testCtx(t), sb)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, ps.GetLinux().GetMemory().GetWorkingSetBytes().GetValue(), uint64(20<<20), "pod stats include the container")
}

// buildDeployImage builds the project's Dockerfile around the binary under
// test (DOCKERCRI_E2E_DOCKERFILE names the Dockerfile where the repository
// is not at hand, as in the guest) and returns the tag.
func buildDeployImage(t *testing.T) string {
	t.Helper()
	dockerfile := os.Getenv("DOCKERCRI_E2E_DOCKERFILE")
	if dockerfile == "" {
		dockerfile = filepath.Join("..", "Dockerfile")
	}
	ctxDir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(ctxDir, "bin"), 0o755))
	b, err := os.ReadFile(dockerfile)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), b, 0o644))
	b, err = os.ReadFile(daemonBinary)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, "bin", "dockercri"), b, 0o755))
	tag := "localhost/dockercri-e2e/deploy:" + runID
	out, err := exec.Command("docker", "build", "-q", "-t", tag, ctxDir).CombinedOutput()
	require.NoError(t, err, "docker build: %s", out)
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
	return tag
}
