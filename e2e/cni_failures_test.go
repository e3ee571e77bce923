package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// binDirOfLinks makes a CNI bin dir of symlinks to Debian's plugins, so a
// test can take one plugin away and bring it back.
func binDirOfLinks(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(cniBinDir)
	require.NoError(t, err)
	for _, e := range entries {
		require.NoError(t, os.Symlink(filepath.Join(cniBinDir, e.Name()), filepath.Join(dir, e.Name())))
	}
	return dir
}

func (e *cniEnv) flagsWithBinDir(bin string) daemonOpt {
	return withFlags("--network-plugin=cni", "--cni-conf-dir", e.confDir, "--cni-bin-dir", bin, "--cni-cache-dir", e.cacheDir)
}

// TestCNIFailedAdd: when ADD fails (a plugin of the chain is missing),
// RunPodSandbox fails and its DEL rolls back what ADD did. Here the rollback
// DEL fails too (the same plugin is missing), so the pod is kept as a
// NOTREADY checkpoint whose stop retries the DEL — no IP is silently lost.
func TestCNIFailedAdd(t *testing.T) {
	env := newCNIEnv(t)
	env.writeConfig(t)
	bin := binDirOfLinks(t)
	require.NoError(t, os.Remove(filepath.Join(bin, "portmap")))
	d := startDaemon(t, env.flagsWithBinDir(bin))
	cfg := newSandboxConfig(t)
	_, err := tryRunSandbox(t, d, cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "portmap")
	assert.Empty(t, dockerNamesWith(t, "_"+cfg.Metadata.Uid+"_"), "no container left")
	require.Len(t, env.leasedIPs(t), 1, "the bridge plugin's lease could not be rolled back")
	items, err := d.runtime.ListPodSandbox(testCtx(t), nil)
	require.NoError(t, err)
	var id string
	for _, it := range items {
		if it.GetMetadata().GetUid() == cfg.Metadata.Uid {
			id = it.Id
			assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, it.State)
		}
	}
	require.NotEmpty(t, id, "the pod with an unreleased network is listed for kubelet to clean up")

	require.NoError(t, os.Symlink(filepath.Join(cniBinDir, "portmap"), filepath.Join(bin, "portmap")))
	require.NoError(t, d.runtime.StopPodSandbox(testCtx(t), id))
	assert.Empty(t, env.leasedIPs(t), "the retried DEL released the IP")
	require.NoError(t, d.runtime.RemovePodSandbox(testCtx(t), id))
	entries, _ := os.ReadDir(filepath.Join(d.rootDir, "sandbox"))
	assert.Empty(t, entries, "no checkpoint left")

	// With every plugin there, a failing ADD leaves nothing at all.
	require.NoError(t, os.WriteFile(filepath.Join(env.confDir, "10-e2e.conflist"), []byte(`{"cniVersion":"1.0.0","name":"e2e-`+env.bridge+`",
	  "plugins":[{"type":"bridge","bridge":"`+env.bridge+`","ipam":{"type":"host-local","dataDir":"`+env.dataDir+`","ranges":[[{"subnet":"`+env.subnet+`"}]]}},
	  {"type":"tuning","sysctl":{"net.no.such.sysctl":"1"}}]}`), 0o644))
	cfg2 := newSandboxConfig(t)
	_, err = tryRunSandbox(t, d, cfg2)
	require.Error(t, err)
	assert.Empty(t, dockerNamesWith(t, "_"+cfg2.Metadata.Uid+"_"))
	entries, _ = os.ReadDir(filepath.Join(d.rootDir, "sandbox"))
	assert.Empty(t, entries, "no checkpoint left")
	assert.Empty(t, env.leasedIPs(t), "the rollback DEL released the bridge plugin's IP")
}

// TestCNIFailedDelIsRetried: a DEL that fails is reported by StopPodSandbox
// and retried by the next stop, which then releases the IP.
func TestCNIFailedDelIsRetried(t *testing.T) {
	env := newCNIEnv(t)
	env.writeConfig(t)
	bin := binDirOfLinks(t)
	d := startDaemon(t, env.flagsWithBinDir(bin))
	sb, _ := runSandbox(t, d)
	require.Len(t, env.leasedIPs(t), 1)

	require.NoError(t, os.Remove(filepath.Join(bin, "bridge")))
	err := d.runtime.StopPodSandbox(testCtx(t), sb)
	require.Error(t, err, "a failed DEL must be reported")
	assert.Len(t, env.leasedIPs(t), 1, "nothing released yet")

	require.NoError(t, os.Symlink(filepath.Join(cniBinDir, "bridge"), filepath.Join(bin, "bridge")))
	require.NoError(t, d.runtime.StopPodSandbox(testCtx(t), sb))
	assert.Empty(t, env.leasedIPs(t), "the retried DEL released the IP")
}

// TestCNIBandwidthAndHostNetwork: the bandwidth annotation shapes the pod's
// traffic (a tbf qdisc on its host-side veth); a hostNetwork pod skips CNI.
func TestCNIBandwidthAndHostNetwork(t *testing.T) {
	env := newCNIEnv(t)
	env.writeConfig(t)
	d := startDaemon(t, env.flags())
	runSandbox(t, d, func(c *runtimeapi.PodSandboxConfig) {
		c.Annotations["kubernetes.io/ingress-bandwidth"] = "1M"
		c.Annotations["kubernetes.io/egress-bandwidth"] = "2M"
	})
	ports := env.bridgePorts(t)
	require.Len(t, ports, 1)
	out, err := exec.Command("tc", "qdisc", "show", "dev", strings.SplitN(ports[0], "@", 2)[0]).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "tbf", "the ingress limit is a token bucket on the host veth")
	assert.Contains(t, string(out), "ingress", "the egress limit redirects the veth's ingress to an ifb")

	hostSB, _ := runSandbox(t, d, withHostNetwork())
	assert.Len(t, env.leasedIPs(t), 1, "the hostNetwork pod took no IP")
	assert.Empty(t, podIP(t, d, hostSB))
}
