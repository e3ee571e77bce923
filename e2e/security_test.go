package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunAsUser(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withRunAsUser(1234), withCommand("id", "-u"))
	assert.Equal(t, "1234", containerOutput(t, d, id))
}

func TestReadonlyRootfs(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withReadonlyRootfs(),
		withShell(`touch /probe 2>/dev/null && echo writable || echo readonly`))
	assert.Equal(t, "readonly", containerOutput(t, d, id))
}

func TestDropAllCapabilities(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withCapabilities(nil, []string{"ALL"}),
		withShell(`grep CapEff /proc/self/status`))
	out := containerOutput(t, d, id)
	assert.Equal(t, "CapEff:\t0000000000000000", out)

	info, err := d.docker.ContainerInspect(testCtx(t), id)
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(info.HostConfig.CapDrop, func(c string) bool { return strings.EqualFold(c, "ALL") }),
		"docker CapDrop %v", info.HostConfig.CapDrop)
}

func TestAddCapability(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	// CAP_NET_ADMIN is bit 12 → 0x1000; with everything else dropped.
	id := runContainer(t, d, sb, sbCfg, withCapabilities([]string{"NET_ADMIN"}, []string{"ALL"}),
		withShell(`grep CapEff /proc/self/status`))
	assert.Equal(t, "CapEff:\t0000000000001000", containerOutput(t, d, id))
}

func TestSandboxSysctls(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d, withSysctls(map[string]string{
		"kernel.shm_rmid_forced":              "1",
		"net.ipv4.ip_unprivileged_port_start": "99",
	}))
	id := runContainer(t, d, sb, sbCfg,
		withShell(`cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_unprivileged_port_start`))
	assert.Equal(t, "1\n99", containerOutput(t, d, id))
}

func TestEnvAndWorkingDir(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg,
		withEnv("E2E_GREETING", "hello world"), withEnv("E2E_EMPTY", ""),
		withWorkingDir("/tmp"),
		withShell(`echo "$E2E_GREETING"; pwd; env | grep -c '^E2E_EMPTY=$'`))
	assert.Equal(t, "hello world\n/tmp\n1", containerOutput(t, d, id))
}

// TestEnvNamesThatAreNotIdentifiers: kubelet passes envFrom keys as they
// are ("data-1", "p-data-1" with a prefix), and the node e2e envFrom specs
// look for them in the process's environment. Docker and dockercri hand
// them on unchanged, values with "=" too. (busybox's env applet prints the
// environment it got; no shell in between.)
func TestEnvNamesThatAreNotIdentifiers(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg,
		withEnv("data-1", "value-1"), withEnv("p-data-1", "a=b"), withEnv("x.y", "z"),
		withCommand("env"))
	lines := strings.Split(containerOutput(t, d, id), "\n")
	for _, want := range []string{"data-1=value-1", "p-data-1=a=b", "x.y=z"} {
		assert.Contains(t, lines, want)
	}
}

func TestArgsAfterCommand(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id, _ := createContainer(t, d, sb, sbCfg, func(c *containerConfig) {
		c.Command = []string{"echo"}
		c.Args = []string{"from", "args"}
	})
	startContainer(t, d, id)
	assert.Equal(t, "from args", containerOutput(t, d, id))
}

func TestArgsReplaceImageCmd(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	// No command: the image has no ENTRYPOINT, so args replace its CMD.
	id, _ := createContainer(t, d, sb, sbCfg, func(c *containerConfig) {
		c.Command = nil
		c.Args = []string{"sh", "-c", "echo image-cmd-overridden"}
	})
	startContainer(t, d, id)
	assert.Equal(t, "image-cmd-overridden", containerOutput(t, d, id))
}
