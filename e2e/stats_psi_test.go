package e2e

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestPressureStallInformation: on cgroup v2 with PSI (kubelet's KubeletPSI
// reads it), a container's and its pod's CPU, memory and I/O stats carry
// pressure stall information from the cgroup's *.pressure files (the pod's
// from its pod cgroup); a busy container held to 10% of a CPU shows CPU
// pressure. cgroup v1 has no PSI (this VM); the cgroup v2 guest of make
// test-cgroupv2 runs it.
func TestPressureStallInformation(t *testing.T) {
	skipUnlessE2E(t)
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err != nil {
		t.Skip("cgroup v1: no pressure stall information (make test-cgroupv2 runs this test in its guest)")
	}
	if _, err := os.Stat("/proc/pressure/cpu"); err != nil {
		t.Skip("the kernel has PSI off (boot with psi=1)")
	}
	d := startDaemon(t)
	// A pod with a cgroup of its own, as kubelet makes every pod: pod PSI
	// comes from it (PSI of containers cannot be added up).
	sb, sbCfg := runSandbox(t, d, withPodCgroup(e2eCgroupTop(t)))
	busy := runContainer(t, d, sb, sbCfg, withShell(`while true; do :; done`),
		withResources(&runtimeapi.LinuxContainerResources{CpuQuota: 10000, CpuPeriod: 100000}))

	var st *runtimeapi.ContainerStats
	require.True(t, eventually(30*time.Second, func() bool {
		var err error
		st, err = d.runtime.ContainerStats(testCtx(t), busy)
		return err == nil && st.GetCpu().GetPsi().GetSome().GetTotal() > 0
	}), "CPU pressure of a throttled container never showed: %v", st.GetCpu())
	for name, psi := range map[string]*runtimeapi.PsiStats{
		"cpu": st.GetCpu().GetPsi(), "memory": st.GetMemory().GetPsi(), "io": st.GetIo().GetPsi(),
	} {
		assert.NotNil(t, psi.GetSome(), "container %s.pressure some", name)
		assert.NotNil(t, psi.GetFull(), "container %s.pressure full", name)
	}
	ps, err := d.runtime.PodSandboxStats(testCtx(t), sb)
	require.NoError(t, err)
	assert.NotNil(t, ps.GetLinux().GetCpu().GetPsi(), "pod cpu.pressure")
	assert.NotNil(t, ps.GetLinux().GetMemory().GetPsi(), "pod memory.pressure")
	assert.NotNil(t, ps.GetLinux().GetIo().GetPsi(), "pod io.pressure (node e2e's KubeletPSI I/O spec reads it)")
}
