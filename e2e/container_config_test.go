package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func withResources(r *runtimeapi.LinuxContainerResources) containerOpt {
	return func(c *containerConfig) {
		if c.Linux == nil {
			c.Linux = &runtimeapi.LinuxContainerConfig{}
		}
		c.Linux.Resources = r
	}
}

func TestDNSAndHostnameAreSharedFromSandbox(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d, func(c *runtimeapi.PodSandboxConfig) {
		c.DnsConfig = &runtimeapi.DNSConfig{
			Servers:  []string{"10.96.0.10"},
			Searches: []string{"default.svc.cluster.local", "svc.cluster.local"},
			Options:  []string{"ndots:5"},
		}
	})
	id := runContainer(t, d, sb, sbCfg, withShell(`hostname; grep -v -e '^#' -e '^$' /etc/resolv.conf`))
	lines := strings.Split(containerOutput(t, d, id), "\n")
	require.NotEmpty(t, lines)
	assert.Equal(t, sbCfg.Hostname, lines[0])
	assert.ElementsMatch(t, []string{
		"nameserver 10.96.0.10",
		"search default.svc.cluster.local svc.cluster.local",
		"options ndots:5",
	}, lines[1:])
}

// TestPortMappingReachesPod: in bridge mode a hostPort is published by
// Docker on the host and reaches the pod's server.
func TestPortMappingReachesPod(t *testing.T) {
	d := startDaemon(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hostPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	sb, sbCfg := runSandbox(t, d, func(c *runtimeapi.PodSandboxConfig) {
		c.PortMappings = []*runtimeapi.PortMapping{{Protocol: runtimeapi.Protocol_TCP, ContainerPort: 8080, HostPort: int32(hostPort), HostIp: "127.0.0.1"}}
	})
	runContainer(t, d, sb, sbCfg, withShell(`mkdir -p /www && echo hello-from-pod > /www/index.html && httpd -f -p 8080 -h /www`))
	var body string
	ok := eventually(20*time.Second, func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/index.html", hostPort))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == 200
	})
	require.True(t, ok, "hostPort %d never answered", hostPort)
	assert.Equal(t, "hello-from-pod\n", body)
}

func TestDevicesAndStopSignal(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell(`ls -l /dev/e2e-null | cut -c1; echo x > /dev/e2e-null && echo written`),
		func(c *containerConfig) {
			c.Devices = []*runtimeapi.Device{{HostPath: "/dev/null", ContainerPath: "/dev/e2e-null", Permissions: "rw"}}
		})
	assert.Equal(t, "c\nwritten", containerOutput(t, d, id))

	// A container whose stop signal is SIGUSR1 exits through its trap.
	id = runContainer(t, d, sb, sbCfg, withShell(`trap 'echo got-usr1; exit 0' USR1; trap '' TERM; while true; do sleep 0.2; done`),
		func(c *containerConfig) { c.StopSignal = runtimeapi.Signal_SIGNAL_SIGUSR1 })
	assert.Equal(t, runtimeapi.Signal_SIGNAL_SIGUSR1, containerStatus(t, d, id).GetStopSignal())
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, d.runtime.StopContainer(testCtx(t), id, 30))
	st := containerStatus(t, d, id)
	assert.Equal(t, int32(0), st.GetExitCode(), "SIGUSR1 must reach the trap, not a kill")
	assert.Equal(t, "got-usr1", containerOutput(t, d, id))
}

// TestResourcesAndOOMScore: limits reach the cgroup; an oom_score_adj this
// host may set is applied, a negative one is clamped instead of failing.
func TestResourcesAndOOMScore(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	script := `cat /proc/self/oom_score_adj; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null || echo v2`
	id := runContainer(t, d, sb, sbCfg, withShell(script), withResources(&runtimeapi.LinuxContainerResources{
		MemoryLimitInBytes: 64 << 20, CpuShares: 512, OomScoreAdj: 999,
	}))
	out := strings.Split(containerOutput(t, d, id), "\n")
	require.Len(t, out, 3)
	assert.Equal(t, "999", out[0])
	assert.Equal(t, fmt.Sprint(64<<20), out[1])
	if out[2] != "v2" {
		assert.Equal(t, "512", out[2])
	}

	neg := runContainer(t, d, sb, sbCfg, withShell(`cat /proc/self/oom_score_adj`),
		withResources(&runtimeapi.LinuxContainerResources{OomScoreAdj: -997}))
	got := containerOutput(t, d, neg)
	if hostLacksCapabilities(t) {
		assert.Equal(t, "0", got, "clamped to the host's floor")
	} else {
		assert.Equal(t, "-997", got)
	}
}

func TestUpdateContainerResources(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withResources(&runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 64 << 20, CpuShares: 256}))
	require.NoError(t, d.runtime.UpdateContainerResources(testCtx(t), id,
		&runtimeapi.ContainerResources{Linux: &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 96 << 20, CpuShares: 768, CpuQuota: 50000, CpuPeriod: 100000}}))
	r := containerStatus(t, d, id).GetResources().GetLinux()
	assert.Equal(t, int64(96<<20), r.GetMemoryLimitInBytes())
	assert.Equal(t, int64(768), r.GetCpuShares())
	assert.Equal(t, int64(50000), r.GetCpuQuota())
	inspect, err := dockerCli.ContainerInspect(testCtx(t), id)
	require.NoError(t, err)
	assert.Equal(t, int64(96<<20), inspect.HostConfig.Memory)

	err = d.runtime.UpdateContainerResources(testCtx(t), "0000000000000000000000000000000000000000000000000000000000000000",
		&runtimeapi.ContainerResources{Linux: &runtimeapi.LinuxContainerResources{CpuShares: 2}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
}

func TestOOMKilledReason(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg,
		withShell(`x=a; while true; do x="$x$x"; done`),
		withResources(&runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 32 << 20, MemorySwapLimitInBytes: 32 << 20}))
	st := waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
	assert.Equal(t, "OOMKilled", st.GetReason())
	assert.Equal(t, int32(137), st.GetExitCode())
}

// TestOOMKilledAfterDaemonRestart: a container that was running when
// dockercri restarted and is OOM-killed afterwards still reports
// OOMKilled (on cgroup v2, where Docker 20.10 misses the kill, the new
// dockercri must watch the containers it finds running).
func TestOOMKilledAfterDaemonRestart(t *testing.T) {
	d1 := startDaemon(t)
	sb, sbCfg := runSandbox(t, d1)
	id := runContainer(t, d1, sb, sbCfg,
		withShell(`while [ ! -f /go ]; do sleep 0.1; done; x=a; while true; do x="$x$x"; done`),
		withResources(&runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 32 << 20, MemorySwapLimitInBytes: 32 << 20}))
	d1.stop(t)

	d2 := startDaemon(t, withRootDir(d1.rootDir))
	registerSandboxCleanup(t, d2, sb, sbCfg)
	_, _, err := d2.runtime.ExecSync(testCtx(t), id, []string{"touch", "/go"}, 10*time.Second)
	require.NoError(t, err)
	st := waitContainerState(t, d2, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
	assert.Equal(t, "OOMKilled", st.GetReason())
	assert.Equal(t, int32(137), st.GetExitCode())
}

// TestConcurrentRunPodSandboxSameName: of N concurrent RunPodSandbox calls
// for one pod, exactly one succeeds and the others get AlreadyExists.
func TestConcurrentRunPodSandboxSameName(t *testing.T) {
	d := startDaemon(t)
	cfg := newSandboxConfig(t)
	const n = 6
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		ids   []string
		codes []codes.Code
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := d.runtime.RunPodSandbox(testCtx(t), cfg, "")
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ids = append(ids, id)
				d.addKnown(id)
			} else {
				codes = append(codes, status.Code(err))
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		registerSandboxCleanup(t, d, id, cfg)
	}
	require.Len(t, ids, 1, "exactly one RunPodSandbox must win; other codes: %v", codes)
	for _, c := range codes {
		assert.Equal(t, "AlreadyExists", c.String())
	}
	assert.Len(t, dockerNamesWith(t, "_"+cfg.Metadata.Uid+"_"), 1)
}

// TestOOMGroupKillsTheWholeContainer: on cgroup v2 kubelet asks for
// unified memory.oom.group=1, so that an OOM kill takes every process of
// the container rather than one of them (node e2e's "OOMKiller multi
// process container" spec). Docker has no field for it; dockercri writes
// it into the container's cgroup at start. Here a child blows the limit
// while the container's main process sleeps: the whole container must end,
// OOMKilled. Without the setting only the child dies and the container
// keeps running.
func TestOOMGroupKillsTheWholeContainer(t *testing.T) {
	skipUnlessE2E(t)
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err != nil {
		t.Skip("cgroup v1 has no memory.oom.group (make test-cgroupv2 runs this test in its guest)")
	}
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg,
		withShell(`sleep 2; cat /sys/fs/cgroup/memory.oom.group; (x=a; while true; do x="$x$x"; done) & sleep 3600`),
		withResources(&runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 32 << 20, MemorySwapLimitInBytes: 32 << 20,
			Unified: map[string]string{"memory.oom.group": "1"}}))
	st := waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
	assert.Equal(t, "OOMKilled", st.GetReason())
	assert.Equal(t, int32(137), st.GetExitCode())
	assert.Equal(t, "1", strings.TrimSpace(containerOutput(t, d, id)), "memory.oom.group as the container saw it")
}
