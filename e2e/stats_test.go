package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/system"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// dockerMemory is Docker's own working-set figure for a container (usage
// minus inactive file, as `docker stats` computes it on cgroup v1).
func dockerMemory(t *testing.T, id string) uint64 {
	t.Helper()
	resp, err := dockerCli.ContainerStatsOneShot(testCtx(t), id)
	require.NoError(t, err)
	defer resp.Body.Close()
	var st container.StatsResponse
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	inactive := st.MemoryStats.Stats["total_inactive_file"]
	if v, ok := st.MemoryStats.Stats["inactive_file"]; ok {
		inactive = v
	}
	return st.MemoryStats.Usage - inactive
}

// dockerCPU is Docker's cumulative CPU time of a container (ns).
func dockerCPU(t *testing.T, id string) uint64 {
	t.Helper()
	resp, err := dockerCli.ContainerStatsOneShot(testCtx(t), id)
	require.NoError(t, err)
	defer resp.Body.Close()
	var st container.StatsResponse
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	return st.CPUStats.CPUUsage.TotalUsage
}

// containerdStore reports whether the engine keeps images in containerd's
// content store (Docker 29's default).
func containerdStore(info system.Info) bool {
	for _, kv := range info.DriverStatus {
		if kv[0] == "driver-type" && strings.HasPrefix(kv[1], "io.containerd.snapshotter") {
			return true
		}
	}
	return false
}

// engineContainerdRoot is the containerd root the suite's daemons are told
// about (--containerd-root in DOCKERCRI_E2E_DAEMON_FLAGS), else the default.
func engineContainerdRoot(t *testing.T) string {
	for _, f := range strings.Fields(os.Getenv("DOCKERCRI_E2E_DAEMON_FLAGS")) {
		if v, ok := strings.CutPrefix(f, "--containerd-root="); ok {
			return v
		}
	}
	return "/var/lib/containerd"
}

func TestContainerStatsMoveTheRightWay(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	burner := runContainer(t, d, sb, sbCfg, withShell(`while true; do :; done`))
	filler := runContainer(t, d, sb, sbCfg, withShell(`head -c 41943040 /dev/zero > /dev/shm/fill; echo filled; sleep 3600`))
	idle := runContainer(t, d, sb, sbCfg, withShell(`dd if=/dev/zero of=/tmp/blob bs=1M count=8 2>/dev/null; sleep 3600`))
	time.Sleep(2 * time.Second)

	// The first call answers at once, without a rate (as cAdvisor and
	// containerd do: kubelet then computes it from its own samples); a
	// later one has the rate over the time between them.
	first, err := d.runtime.ContainerStats(testCtx(t), burner)
	require.NoError(t, err)
	assert.Nil(t, first.GetCpu().GetUsageNanoCores(), "no rate from a single sample: no second one was waited for")
	time.Sleep(time.Second)
	st, err := d.runtime.ContainerStats(testCtx(t), burner)
	require.NoError(t, err)
	require.NotNil(t, st.GetCpu().GetUsageNanoCores(), "a rate from the two samples")
	assert.Greater(t, st.GetCpu().GetUsageNanoCores().GetValue(), uint64(3e8), "a busy loop uses well over 0.3 core")
	assert.Greater(t, st.GetCpu().GetUsageCoreNanoSeconds().GetValue(), uint64(5e8))
	assert.Equal(t, burner, st.GetAttributes().GetId())
	assert.NotEmpty(t, st.GetAttributes().GetMetadata().GetName())

	// Docker's own cumulative CPU for the same cgroup, read right after
	// ours: it can only be higher, by what the busy loop burned meanwhile
	// (dockerd answers one-shot stats at its next collector tick, <= 1 s).
	ours := st.GetCpu().GetUsageCoreNanoSeconds().GetValue()
	theirsCPU := dockerCPU(t, burner)
	assert.GreaterOrEqual(t, theirsCPU, ours, "docker's CPU total %d below ours %d", theirsCPU, ours)
	assert.Less(t, theirsCPU-ours, uint64(3e9), "docker's CPU total %d too far above ours %d", theirsCPU, ours)

	var fill *runtimeapi.ContainerStats
	require.True(t, eventually(20*time.Second, func() bool {
		fill, err = d.runtime.ContainerStats(testCtx(t), filler)
		return err == nil && fill.GetMemory().GetWorkingSetBytes().GetValue() > 32<<20
	}), "the filler's working set (40 MiB of tmpfs) never passed 32 MiB")
	ws := fill.GetMemory().GetWorkingSetBytes().GetValue()
	theirs := dockerMemory(t, filler)
	assert.InEpsilon(t, float64(theirs), float64(ws), 0.1, "working set %d vs docker's %d", ws, theirs)
	assert.GreaterOrEqual(t, fill.GetMemory().GetUsageBytes().GetValue(), ws)
	assert.NotNil(t, fill.GetMemory().GetRssBytes())

	var layer *runtimeapi.FilesystemUsage
	require.True(t, eventually(40*time.Second, func() bool {
		s, err := d.runtime.ContainerStats(testCtx(t), idle)
		layer = s.GetWritableLayer()
		return err == nil && layer.GetUsedBytes().GetValue() >= 8<<20
	}), "the writable layer never showed the 8 MiB file")
	assert.Less(t, layer.GetUsedBytes().GetValue(), uint64(12<<20), "the writable layer holds the 8 MiB file, not the image")
	// The writable layer is on the filesystem ImageFsInfo reports for
	// containers: Docker's data root, or containerd's snapshotter with the
	// containerd image store.
	fsInfo, err := d.images.ImageFsInfo(testCtx(t))
	require.NoError(t, err)
	require.NotEmpty(t, fsInfo.GetContainerFilesystems())
	assert.Equal(t, fsInfo.GetContainerFilesystems()[0].GetFsId().GetMountpoint(), layer.GetFsId().GetMountpoint())
	info, err := dockerCli.Info(testCtx(t))
	require.NoError(t, err)
	if containerdStore(info) {
		assert.Equal(t, "io.containerd.snapshotter.v1."+info.Driver, filepath.Base(layer.GetFsId().GetMountpoint()))
	} else {
		assert.Equal(t, info.DockerRootDir, layer.GetFsId().GetMountpoint())
	}

	all, err := d.runtime.ListContainerStats(testCtx(t), &runtimeapi.ContainerStatsFilter{PodSandboxId: sb})
	require.NoError(t, err)
	assert.Len(t, all, 3)

	_, err = d.runtime.ContainerStats(testCtx(t), "0000000000000000000000000000000000000000000000000000000000000000")
	assert.Equal(t, codes.NotFound, status.Code(err))
}

func TestPodSandboxStats(t *testing.T) {
	d := startDaemon(t)
	server, serverCfg := runSandbox(t, d)
	client, clientCfg := runSandbox(t, d)
	runContainer(t, d, server, serverCfg, withShell(`mkdir -p /www && head -c 2097152 /dev/zero > /www/blob && httpd -f -p 8080 -h /www`))
	cli := runContainer(t, d, client, clientCfg, withCommand("sleep", "3600"))
	ip := podIP(t, d, server)
	require.True(t, eventually(20*time.Second, func() bool {
		_, _, err := d.runtime.ExecSync(testCtx(t), cli, []string{"wget", "-qO/dev/null", "http://" + ip + ":8080/blob"}, 10*time.Second)
		return err == nil
	}))

	st, err := d.runtime.PodSandboxStats(testCtx(t), server)
	require.NoError(t, err)
	assert.Equal(t, server, st.GetAttributes().GetId())
	assert.Equal(t, serverCfg.Metadata.Name, st.GetAttributes().GetMetadata().GetName())
	lin := st.GetLinux()
	require.NotNil(t, lin.GetNetwork().GetDefaultInterface(), "the pod's interfaces are reported")
	assert.Equal(t, "eth0", lin.GetNetwork().GetDefaultInterface().GetName())
	assert.Greater(t, lin.GetNetwork().GetDefaultInterface().GetTxBytes().GetValue(), uint64(2<<20), "the server sent 2 MiB")
	assert.Greater(t, lin.GetMemory().GetWorkingSetBytes().GetValue(), uint64(0))
	assert.NotNil(t, lin.GetCpu().GetUsageCoreNanoSeconds())
	assert.GreaterOrEqual(t, lin.GetProcess().GetProcessCount().GetValue(), uint64(2), "pause + httpd")
	assert.Len(t, lin.GetContainers(), 1)

	list, err := d.runtime.ListPodSandboxStats(testCtx(t), &runtimeapi.PodSandboxStatsFilter{Id: client})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Greater(t, list[0].GetLinux().GetNetwork().GetDefaultInterface().GetRxBytes().GetValue(), uint64(2<<20), "the client received 2 MiB")
}
