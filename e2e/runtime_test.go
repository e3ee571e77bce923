package e2e

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestVersion(t *testing.T) {
	d := startDaemon(t)
	v, err := d.runtime.Version(testCtx(t), "v1")
	require.NoError(t, err)
	assert.Equal(t, "0.1.0", v.GetVersion(), "CRI Version.version is the kubelet API version")
	assert.Equal(t, "docker", v.GetRuntimeName())
	assert.NotEmpty(t, v.GetRuntimeVersion(), "runtime_version is dockerd's version")
	// dockershim/cri-dockerd report Docker's API version here, containerd "v1".
	assert.NotEmpty(t, v.GetRuntimeApiVersion())
	t.Logf("version: %v", v)
}

func TestStatus(t *testing.T) {
	d := startDaemon(t)
	resp, err := d.runtime.Status(testCtx(t), false)
	require.NoError(t, err)
	conds := map[string]*runtimeapi.RuntimeCondition{}
	for _, c := range resp.GetStatus().GetConditions() {
		conds[c.GetType()] = c
	}
	rr := conds[runtimeapi.RuntimeReady]
	require.NotNil(t, rr, "no RuntimeReady condition in %v", resp.GetStatus())
	assert.True(t, rr.GetStatus(), "RuntimeReady: reason %q message %q", rr.GetReason(), rr.GetMessage())
	nr := conds[runtimeapi.NetworkReady]
	require.NotNil(t, nr, "no NetworkReady condition in %v", resp.GetStatus())
	// Without CNI flags the Docker bridge network is used: ready at once.
	assert.True(t, nr.GetStatus(), "NetworkReady: reason %q message %q", nr.GetReason(), nr.GetMessage())
}

func TestSocketModeAndRemovalOnSIGTERM(t *testing.T) {
	d := startDaemon(t)
	fi, err := os.Stat(d.socketPath)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSocket, fi.Mode().Type())
	assert.Equal(t, os.FileMode(0o660), fi.Mode().Perm(), "socket permissions")

	d.stop(t)
	assert.NoError(t, d.waitErr, "dockercri should exit 0 on SIGTERM")
	_, err = os.Stat(d.socketPath)
	assert.True(t, os.IsNotExist(err), "socket %s should be removed on SIGTERM (stat err: %v)", d.socketPath, err)
}

func TestRuntimeConfigReportsDockerCgroupDriver(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	info, err := d.docker.Info(ctx)
	require.NoError(t, err)
	want := runtimeapi.CgroupDriver_CGROUPFS
	if info.CgroupDriver == "systemd" {
		want = runtimeapi.CgroupDriver_SYSTEMD
	}
	resp, err := d.runtime.RuntimeConfig(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, resp.GetLinux().GetCgroupDriver(), "docker's cgroup driver is %q", info.CgroupDriver)
}
