package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// withCgroupParent places the pod under a kubelet-style pod cgroup.
func withCgroupParent(parent string) sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) { c.Linux.CgroupParent = parent }
}

// withPodCgroup gives the pod a kubelet-style pod cgroup of its own
// ("<top>/pod<uid>") under top (e2eCgroupTop).
func withPodCgroup(top string) sandboxOpt {
	return func(c *runtimeapi.PodSandboxConfig) {
		withCgroupParent(top + "/pod" + strings.ReplaceAll(c.Metadata.Uid, "-", "_"))(c)
	}
}

// e2eCgroupTop makes a cgroupfs-style parent of the test's own
// ("/dcri-e2e-<hex>"; with Docker's systemd driver dockercri turns it into
// the slice "dcri_e2e_<hex>-….slice", as it does kubelet's parents) and
// removes what Docker leaves of it once the pod is gone: the cgroupfs
// driver creates parents but never removes them; systemd stops an empty
// slice itself.
func e2eCgroupTop(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	top := "/dcri-e2e-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", top, "*"))
		dirs2, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", top, "*"))
		tops, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", top))
		tops2, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", top))
		for _, d := range append(append(append(dirs, dirs2...), tops...), tops2...) {
			_ = os.Remove(d) // rmdir of an empty cgroup; busy ones stay
		}
	})
	return top
}

// podCgroupPath is where the pod cgroup of a cgroupfs-style parent lives
// under Docker's cgroup driver: the path itself with cgroupfs; with systemd
// the slice dockercri names ("/a-b/pod_x" -> "a_b-pod_x.slice") nested in
// its parent slices, as systemd places it.
func podCgroupPath(t *testing.T, parent string) string {
	t.Helper()
	info, err := dockerCli.Info(testCtx(t))
	require.NoError(t, err)
	if info.CgroupDriver != "systemd" {
		return parent
	}
	var parts []string
	for _, p := range strings.Split(strings.Trim(parent, "/"), "/") {
		parts = append(parts, strings.ReplaceAll(p, "-", "_"))
	}
	out := "/"
	for i := range parts {
		out = filepath.Join(out, strings.Join(parts[:i+1], "-")+".slice")
	}
	return out
}

// podMemoryUsage reads the pod cgroup's memory usage from its own file.
func podMemoryUsage(t *testing.T, podCgroup string) uint64 {
	t.Helper()
	p := filepath.Join("/sys/fs/cgroup/memory", podCgroup, "memory.usage_in_bytes")
	if _, err := os.Stat(p); err != nil {
		p = filepath.Join("/sys/fs/cgroup", podCgroup, "memory.current")
	}
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	require.NoError(t, err)
	return n
}

// TestPodStatsFromPodCgroup: a pod with a cgroup parent (as kubelet makes
// every pod) reports its pod cgroup's usage, as containerd does — which
// includes what an exited container left charged (here 16 MiB in the
// pod's shared /dev/shm), not only the sum of its running containers.
func TestPodStatsFromPodCgroup(t *testing.T) {
	d := startDaemon(t)
	top := e2eCgroupTop(t)
	sb, sbCfg := runSandbox(t, d, withPodCgroup(top))
	podCgroup := podCgroupPath(t, sbCfg.Linux.CgroupParent)

	writer := runContainer(t, d, sb, sbCfg, withShell(`head -c 16777216 /dev/zero > /dev/shm/blob && echo written`))
	waitContainerState(t, d, writer, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
	require.Equal(t, "written", containerOutput(t, d, writer))
	runContainer(t, d, sb, sbCfg) // sleeps

	var st *runtimeapi.PodSandboxStats
	require.Eventually(t, func() bool {
		var err error
		st, err = d.runtime.PodSandboxStats(testCtx(t), sb)
		return err == nil && len(st.GetLinux().GetContainers()) == 1
	}, 10*time.Second, 100*time.Millisecond)
	pod := st.GetLinux().GetMemory()
	require.NotNil(t, pod)
	ctr := st.GetLinux().GetContainers()[0].GetMemory()
	const blob = 16 << 20
	assert.GreaterOrEqual(t, pod.GetUsageBytes().GetValue(), uint64(blob),
		"the pod cgroup still holds the exited container's 16 MiB of shm")
	assert.Greater(t, pod.GetWorkingSetBytes().GetValue(), ctr.GetWorkingSetBytes().GetValue()+blob/2,
		"more than the running container's working set")
	direct := podMemoryUsage(t, podCgroup)
	assert.InDelta(t, float64(direct), float64(pod.GetUsageBytes().GetValue()), 4<<20,
		"what the pod cgroup's own file says (%s)", podCgroup)

	// The list agrees, and a rate appears once two samples exist.
	time.Sleep(600 * time.Millisecond)
	list, err := d.runtime.ListPodSandboxStats(testCtx(t), &runtimeapi.PodSandboxStatsFilter{Id: sb})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.GreaterOrEqual(t, list[0].GetLinux().GetMemory().GetUsageBytes().GetValue(), uint64(blob))
	assert.NotNil(t, list[0].GetLinux().GetCpu().GetUsageNanoCores(), "a pod rate from the pod cgroup's own samples")
}

// cgroupOf is the cgroup of pid as /proc says: the unified entry on cgroup
// v2, the memory controller's on v1.
func cgroupOf(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cgroup"))
	require.NoError(t, err)
	var unified string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		if f[0] == "0" && f[1] == "" {
			unified = f[2]
		}
		for _, c := range strings.Split(f[1], ",") {
			if c == "memory" {
				return f[2]
			}
		}
	}
	return unified
}

// TestKubeletSystemdCgroupParent: kubelet's systemd cgroup manager names a
// pod's cgroup by its expanded slice path
// ("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid>.slice").
// The pod's containers must land in that very cgroup, inside the slices
// where kubelet enforces QoS and node-allocatable limits: a pod that
// escaped them made a node e2e OOM spec end in a global OOM (the guest,
// hack/guest-node-e2e.sh). With the cgroupfs driver the same string is a
// plain path and is used as it is.
func TestKubeletSystemdCgroupParent(t *testing.T) {
	d := startDaemon(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	top := "dcri_e2e_" + hex.EncodeToString(b)
	t.Cleanup(func() { // cgroupfs leaves the parents; systemd stops empty slices itself
		dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", top+".slice"))
		subs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", top+".slice", "*"))
		for _, d := range append(subs, dirs...) {
			_ = os.Remove(d)
		}
	})
	var parent string
	sb, sbCfg := runSandbox(t, d, func(c *runtimeapi.PodSandboxConfig) {
		parent = "/" + top + ".slice/" + top + "-pod" + strings.ReplaceAll(c.Metadata.Uid, "-", "_") + ".slice"
		c.Linux.CgroupParent = parent
	})
	id := runContainer(t, d, sb, sbCfg) // sleeps
	waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_RUNNING, 30*time.Second)
	in, err := dockerCli.ContainerInspect(testCtx(t), id)
	require.NoError(t, err)
	cg := cgroupOf(t, in.State.Pid)
	assert.Equal(t, parent, filepath.Dir(cg), "the container's cgroup (%s) is right under the pod cgroup kubelet named", cg)

	st, err := d.runtime.PodSandboxStats(testCtx(t), sb)
	require.NoError(t, err)
	assert.NotZero(t, st.GetLinux().GetMemory().GetUsageBytes().GetValue(), "pod stats read from that pod cgroup")
}
