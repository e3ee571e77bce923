package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// swapLimitScript prints the container's swap limit as the cgroup holds it:
// "v1 <memory+swap bytes>" or "v2 <swap bytes beyond memory | max>", or
// "none" where the kernel keeps no swap accounting.
const swapLimitScript = `if [ -f /sys/fs/cgroup/memory.swap.max ]; then echo "v2 $(cat /sys/fs/cgroup/memory.swap.max)";
elif [ -f /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then echo "v1 $(cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes)";
else echo none; fi`

// swapLimit reads a running container's swap limit from inside it and
// returns it as swap bytes allowed beyond memory (-1: unlimited).
func swapLimit(t *testing.T, d *daemon, id string, memory int64) int64 {
	t.Helper()
	out, _, err := d.runtime.ExecSync(testCtx(t), id, []string{"sh", "-c", swapLimitScript}, 10*time.Second)
	require.NoError(t, err)
	return parseSwapLimit(t, strings.TrimSpace(string(out)), memory)
}

func parseSwapLimit(t *testing.T, line string, memory int64) int64 {
	t.Helper()
	kind, val, _ := strings.Cut(line, " ")
	if kind == "none" {
		t.Skip("this kernel keeps no swap accounting (no memory.memsw.* on cgroup v1): swap limits cannot be checked here")
	}
	if val == "max" {
		return -1
	}
	n, err := strconv.ParseInt(val, 10, 64)
	require.NoError(t, err, "swap limit %q", line)
	if kind == "v1" {
		if n >= 1<<62 {
			return -1
		}
		return n - memory // memsw counts memory and swap together
	}
	return n
}

// TestSwapLimits: kubelet's swap behaviours reach the container's cgroup —
// NoSwap and LimitedSwap as cgroup v2's memory.swap.max (what kubelet sends
// on v2 nodes) and as v1's memory+swap (what it sends on v1 nodes with
// swap accounting) — and an update of the memory limit, up or down, keeps
// them; an update that names no swap keeps the headroom the container had
// instead of failing on Docker's "update the memoryswap at the same time".
func TestSwapLimits(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	const mi = int64(1) << 20
	run := func(r *runtimeapi.LinuxContainerResources) string {
		return runContainer(t, d, sb, sbCfg, withResources(r))
	}
	hostConfigSwap := func(id string) (int64, int64) {
		in, err := dockerCli.ContainerInspect(testCtx(t), id)
		require.NoError(t, err)
		return in.HostConfig.Memory, in.HostConfig.MemorySwap
	}
	update := func(id string, r *runtimeapi.LinuxContainerResources) {
		t.Helper()
		require.NoError(t, d.runtime.UpdateContainerResources(testCtx(t), id, &runtimeapi.ContainerResources{Linux: r}))
	}

	t.Run("NoSwap (unified memory.swap.max=0)", func(t *testing.T) {
		id := run(&runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 64 * mi, Unified: map[string]string{"memory.swap.max": "0"}})
		assert.Equal(t, int64(0), swapLimit(t, d, id, 64*mi))
		mem, swap := hostConfigSwap(id)
		assert.Equal(t, [2]int64{64 * mi, 64 * mi}, [2]int64{mem, swap})

		update(id, &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 128 * mi, Unified: map[string]string{"memory.swap.max": "0"}})
		assert.Equal(t, int64(0), swapLimit(t, d, id, 128*mi), "raised memory, still no swap")
		update(id, &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 48 * mi, Unified: map[string]string{"memory.swap.max": "0"}})
		assert.Equal(t, int64(0), swapLimit(t, d, id, 48*mi), "lowered memory, still no swap")
		mem, swap = hostConfigSwap(id)
		assert.Equal(t, [2]int64{48 * mi, 48 * mi}, [2]int64{mem, swap})
	})

	t.Run("LimitedSwap (unified memory.swap.max=32Mi)", func(t *testing.T) {
		id := run(&runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 64 * mi, Unified: map[string]string{"memory.swap.max": fmt.Sprint(32 * mi)}})
		assert.Equal(t, 32*mi, swapLimit(t, d, id, 64*mi))
		update(id, &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 96 * mi, Unified: map[string]string{"memory.swap.max": fmt.Sprint(16 * mi)}})
		assert.Equal(t, 16*mi, swapLimit(t, d, id, 96*mi))
	})

	t.Run("NoSwap on cgroup v1 (memory+swap = memory)", func(t *testing.T) {
		id := run(&runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 64 * mi, MemorySwapLimitInBytes: 64 * mi})
		assert.Equal(t, int64(0), swapLimit(t, d, id, 64*mi))
		update(id, &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 160 * mi, MemorySwapLimitInBytes: 160 * mi})
		assert.Equal(t, int64(0), swapLimit(t, d, id, 160*mi))
	})

	t.Run("update naming no swap keeps the headroom", func(t *testing.T) {
		// Docker's default at create: as much swap as memory (64+64 Mi).
		id := run(&runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 64 * mi})
		mem, swap := hostConfigSwap(id)
		if swap <= 0 {
			t.Skipf("Docker set no memory+swap limit here (MemorySwap=%d, host without swap accounting)", swap)
		}
		headroom := swap - mem
		// Above the old memory+swap: Docker refuses this unless MemorySwap
		// moves with it.
		update(id, &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: swap + 32*mi})
		mem2, swap2 := hostConfigSwap(id)
		assert.Equal(t, swap+32*mi, mem2)
		assert.Equal(t, headroom, swap2-mem2, "the swap headroom is kept")
		assert.Equal(t, headroom, swapLimit(t, d, id, mem2))
	})
}
