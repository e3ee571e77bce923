package e2e

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// hostNamespace returns the test process's namespace link, e.g. "net:[4026531833]".
// The tests assume they run in the same namespaces as dockerd.
func hostNamespace(t testing.TB, kind string) string {
	t.Helper()
	link, err := os.Readlink("/proc/self/ns/" + kind)
	require.NoError(t, err)
	return link
}

func TestHostNetworkSandbox(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	sb, sbCfg := runSandbox(t, d, withHostNetwork())
	id := runContainer(t, d, sb, sbCfg, withCommand("readlink", "/proc/self/ns/net"))

	info, err := d.docker.ContainerInspect(ctx, sb)
	require.NoError(t, err)
	assert.Equal(t, "host", string(info.HostConfig.NetworkMode), "sandbox network mode")
	assert.Equal(t, hostNamespace(t, "net"), containerOutput(t, d, id), "container should be in the host netns")
}

func TestBridgeNetworkSandboxIsNotHost(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withCommand("readlink", "/proc/self/ns/net"))
	out := containerOutput(t, d, id)
	assert.NotEmpty(t, out)
	assert.NotEqual(t, hostNamespace(t, "net"), out, "container should have its own netns")

	info, err := d.docker.ContainerInspect(testCtx(t), id)
	require.NoError(t, err)
	assert.Equal(t, "container:"+sb, string(info.HostConfig.NetworkMode), "container joins the sandbox netns")
}

func TestPodPIDNamespaceSeesPause(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d, withPidMode(runtimeapi.NamespaceMode_POD))
	id := runContainer(t, d, sb, sbCfg, withShell(`echo "pid=$$"; ps -o pid,args`))

	info, err := d.docker.ContainerInspect(testCtx(t), id)
	require.NoError(t, err)
	assert.Equal(t, "container:"+sb, string(info.HostConfig.PidMode), "container joins the sandbox PID namespace")

	out := containerOutput(t, d, id)
	assert.NotContains(t, out, "pid=1\n", "the container's shell must not be PID 1 in a shared PID namespace")
	assert.Contains(t, out, "pause", "ps should list the pause process:\n%s", out)
}

func TestContainerPIDNamespaceIsPrivate(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell(`echo "pid=$$"`))
	assert.Equal(t, "pid=1", containerOutput(t, d, id))
}

func TestHostPIDNamespace(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d, withPidMode(runtimeapi.NamespaceMode_NODE))
	id := runContainer(t, d, sb, sbCfg, withCommand("readlink", "/proc/self/ns/pid"))
	assert.Equal(t, hostNamespace(t, "pid"), containerOutput(t, d, id))
}
