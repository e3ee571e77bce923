package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// sandboxIDOf returns the id of the (one) sandbox container of a pod, read
// from Docker: the test's RunPodSandbox never got an answer.
func sandboxIDOf(t *testing.T, cfg *runtimeapi.PodSandboxConfig) string {
	t.Helper()
	names := dockerNamesWith(t, "k8s_POD_"+cfg.Metadata.Name+"_")
	require.Len(t, names, 1, "one sandbox container")
	in, err := dockerCli.ContainerInspect(testCtx(t), names[0])
	require.NoError(t, err)
	return in.ID
}

// TestCNICrashAfterAdd: dockercri killed right after CNI ADD returned, before
// it recorded the result (a failpoint SIGKILLs it there). The next dockercri
// completes the set-up at start-up from libcni's cached result: the pod
// reports the IP its ADD leased, and stopping it releases that IP.
func TestCNICrashAfterAdd(t *testing.T) {
	env := newCNIEnv(t)
	env.writeConfig(t)
	d1 := startDaemon(t, env.flags(), withDaemonEnv("DOCKERCRI_FAILPOINTS=cni-after-add"))
	cfg := newSandboxConfig(t)
	_, err := tryRunSandbox(t, d1, cfg)
	require.Error(t, err, "the daemon died inside RunPodSandbox")
	require.True(t, eventually(10*time.Second, d1.exited), "the failpoint killed the daemon")
	leased := env.leasedIPs(t)
	require.Len(t, leased, 1, "ADD leased an IP before the crash")
	id := sandboxIDOf(t, cfg)
	d1.addKnown(id)

	d2 := startDaemon(t, env.flags(), withRootDir(d1.rootDir))
	registerSandboxCleanup(t, d2, id, cfg)
	assert.Equal(t, leased[0], podIP(t, d2, id), "the set-up was completed with the leased IP")
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_READY, sandboxStatus(t, d2, id).GetState())
	require.NoError(t, d2.runtime.StopPodSandbox(testCtx(t), id))
	assert.Empty(t, env.leasedIPs(t), "stop released the IP")
	assert.Empty(t, env.bridgePorts(t), "and the veth")
	require.NoError(t, d2.runtime.RemovePodSandbox(testCtx(t), id))
}

// TestCNICrashDuringAdd: dockercri killed while a CNI ADD was half done (the
// bridge plugin had leased an IP and plugged a veth; a later plugin of the
// chain hangs until the test kills everything). The next dockercri rolls
// the ADD back at start-up with DEL: the IP and the veth are released before
// kubelet even looks, the sandbox shows no IP (so kubelet replaces it), and
// the pod stops and is removed cleanly.
func TestCNICrashDuringAdd(t *testing.T) {
	env := newCNIEnv(t)
	bin := binDirOfLinks(t)
	marker := filepath.Join(t.TempDir(), "hang.pid")
	hang := fmt.Sprintf(`#!/bin/sh
# A chained CNI plugin that hangs in ADD (after recording its pid).
case "$CNI_COMMAND" in
ADD) cat >/dev/null; echo $$ > %q; exec sleep 120 ;;
VERSION) echo '{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}' ;;
*) cat >/dev/null ;;
esac
`, marker)
	require.NoError(t, os.WriteFile(filepath.Join(bin, "dcri-e2e-hang"), []byte(hang), 0o755))
	conf := fmt.Sprintf(`{"cniVersion":"1.0.0","name":"e2e-%[1]s","plugins":[
	  {"type":"bridge","bridge":%[1]q,"isGateway":true,"ipam":{"type":"host-local","dataDir":%[2]q,"ranges":[[{"subnet":%[3]q,"gateway":%[4]q}]]}},
	  {"type":"dcri-e2e-hang"}]}`, env.bridge, env.dataDir, env.subnet, env.gateway)
	require.NoError(t, os.WriteFile(filepath.Join(env.confDir, "10-e2e.conflist"), []byte(conf), 0o644))

	d1 := startDaemon(t, env.flagsWithBinDir(bin))
	cfg := newSandboxConfig(t)
	errc := make(chan error, 1)
	go func() {
		_, err := d1.runtime.RunPodSandbox(testCtx(t), cfg, "")
		errc <- err
	}()
	var pid int
	require.True(t, eventually(30*time.Second, func() bool {
		b, err := os.ReadFile(marker)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	}), "the hanging plugin was reached")
	require.NoError(t, d1.cmd.Process.Kill(), "kill dockercri mid-ADD")
	<-d1.done
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL), "kill the plugin dockercri ran")
	require.Error(t, <-errc)
	require.Len(t, env.leasedIPs(t), 1, "the bridge plugin leased an IP before the crash")
	require.NotEmpty(t, env.bridgePorts(t), "and plugged a veth")
	id := sandboxIDOf(t, cfg)
	d1.addKnown(id)

	d2 := startDaemon(t, env.flagsWithBinDir(bin), withRootDir(d1.rootDir))
	registerSandboxCleanup(t, d2, id, cfg)
	assert.Empty(t, env.leasedIPs(t), "start-up rolled the ADD back: IP released")
	assert.Empty(t, env.bridgePorts(t), "and veth removed")
	st := sandboxStatus(t, d2, id)
	assert.Empty(t, st.GetNetwork().GetIp(), "no IP: kubelet replaces the sandbox")
	require.NoError(t, d2.runtime.StopPodSandbox(testCtx(t), id))
	require.NoError(t, d2.runtime.RemovePodSandbox(testCtx(t), id))
	assert.Empty(t, dockerNamesWith(t, "_"+cfg.Metadata.Uid+"_"), "no container left")
	entries, _ := os.ReadDir(filepath.Join(d2.rootDir, "sandbox"))
	assert.Empty(t, entries, "no checkpoint left")
}
