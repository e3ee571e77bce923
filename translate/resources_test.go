package translate

import (
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

func i64p(v int64) *int64 { return &v }

func TestResources(t *testing.T) {
	tests := []struct {
		name         string
		in           *runtimeapi.LinuxContainerResources
		want         container.Resources
		wantWarnings int
	}{
		{"nil", nil, container.Resources{}, 0},
		{"cpu", &runtimeapi.LinuxContainerResources{CpuShares: 256, CpuQuota: 50000, CpuPeriod: 100000, CpusetCpus: "0-1", CpusetMems: "0"},
			container.Resources{CPUShares: 256, CPUQuota: 50000, CPUPeriod: 100000, CpusetCpus: "0-1", CpusetMems: "0"}, 0},
		{"unlimited quota", &runtimeapi.LinuxContainerResources{CpuQuota: -1}, container.Resources{CPUQuota: -1}, 0},
		{"memory and swap", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 256 << 20, MemorySwapLimitInBytes: 512 << 20},
			container.Resources{Memory: 256 << 20, MemorySwap: 512 << 20}, 0},
		{"zero swap left to docker", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 256 << 20},
			container.Resources{Memory: 256 << 20}, 0},
		{"zero hugepage limit is silent", &runtimeapi.LinuxContainerResources{HugepageLimits: []*runtimeapi.HugepageLimit{{PageSize: "2MB"}}},
			container.Resources{}, 0},
		{"hugepage limit warns", &runtimeapi.LinuxContainerResources{HugepageLimits: []*runtimeapi.HugepageLimit{{PageSize: "2MB", Limit: 4 << 20}}},
			container.Resources{}, 1},
		{"unified memory.max", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 1, Unified: map[string]string{"memory.max": "1048576"}},
			container.Resources{Memory: 1048576}, 0},
		{"unified memory.max max", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 4096, Unified: map[string]string{"memory.max": "max"}},
			container.Resources{Memory: 4096}, 0},
		{"unified pids.max", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"pids.max": " 100 "}},
			container.Resources{PidsLimit: i64p(100)}, 0},
		{"unified pids.max max", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"pids.max": "max"}},
			container.Resources{PidsLimit: i64p(-1)}, 0},
		{"unified cpu.weight min", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"cpu.weight": "1"}},
			container.Resources{CPUShares: 2}, 0},
		{"unified cpu.weight default", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"cpu.weight": "100"}},
			container.Resources{CPUShares: 2597}, 0},
		{"unified cpu.weight max", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"cpu.weight": "10000"}},
			container.Resources{CPUShares: 262144}, 0},
		{"NoSwap (v2): swap 0 beyond memory", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 64 << 20, Unified: map[string]string{"memory.swap.max": "0"}},
			container.Resources{Memory: 64 << 20, MemorySwap: 64 << 20}, 0},
		{"LimitedSwap (v2): swap on top of memory", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 64 << 20, Unified: map[string]string{"memory.swap.max": "33554432"}},
			container.Resources{Memory: 64 << 20, MemorySwap: 96 << 20}, 0},
		{"swap on top of unified memory.max", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"memory.max": "1048576", "memory.swap.max": "1048576"}},
			container.Resources{Memory: 1 << 20, MemorySwap: 2 << 20}, 0},
		{"unlimited swap", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 64 << 20, Unified: map[string]string{"memory.swap.max": "max"}},
			container.Resources{Memory: 64 << 20, MemorySwap: -1}, 0},
		{"unified swap wins over v1 memory+swap", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 64 << 20, MemorySwapLimitInBytes: 128 << 20, Unified: map[string]string{"memory.swap.max": "0"}},
			container.Resources{Memory: 64 << 20, MemorySwap: 64 << 20}, 0},
		{"NoSwap (v1): memory+swap = memory", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 64 << 20, MemorySwapLimitInBytes: 64 << 20},
			container.Resources{Memory: 64 << 20, MemorySwap: 64 << 20}, 0},
		{"swap without a memory limit warns", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"memory.swap.max": "0"}},
			container.Resources{}, 1},
		{"unknown unified key warns", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"memory.high": "1000", "io.weight": "50"}},
			container.Resources{}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := Resources(tt.in, HostLimits{MinOOMScoreAdj: -1000})
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Len(t, warnings, tt.wantWarnings)
		})
	}
}

func TestResourcesWarningNamesSetting(t *testing.T) {
	_, warnings, err := Resources(&runtimeapi.LinuxContainerResources{
		Unified:        map[string]string{"memory.high": "1000"},
		HugepageLimits: []*runtimeapi.HugepageLimit{{PageSize: "1GB", Limit: 1 << 30}},
	}, HostLimits{})
	require.NoError(t, err)
	require.Len(t, warnings, 2)
	assert.Contains(t, warnings[0], "1GB")
	assert.Contains(t, warnings[1], "memory.high")
}

func TestKeepSwapHeadroom(t *testing.T) {
	const mi = int64(1) << 20
	tests := []struct {
		name     string
		update   container.Resources
		cur      container.Resources
		wantSwap int64
	}{
		{"docker's default (as much swap as memory) kept when raising", container.Resources{Memory: 128 * mi}, container.Resources{Memory: 64 * mi, MemorySwap: 128 * mi}, 192 * mi},
		{"docker's default kept when lowering", container.Resources{Memory: 32 * mi}, container.Resources{Memory: 64 * mi, MemorySwap: 128 * mi}, 96 * mi},
		{"no swap stays none", container.Resources{Memory: 128 * mi}, container.Resources{Memory: 64 * mi, MemorySwap: 64 * mi}, 128 * mi},
		{"unlimited stays unlimited", container.Resources{Memory: 128 * mi}, container.Resources{Memory: 64 * mi, MemorySwap: -1}, -1},
		{"no limit before: swap unlimited", container.Resources{Memory: 128 * mi}, container.Resources{}, -1},
		{"swap given: untouched", container.Resources{Memory: 128 * mi, MemorySwap: 128 * mi}, container.Resources{Memory: 64 * mi, MemorySwap: -1}, 128 * mi},
		{"no memory in the update: untouched", container.Resources{CPUShares: 2}, container.Resources{Memory: 64 * mi, MemorySwap: 128 * mi}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.update
			KeepSwapHeadroom(&res, tt.cur)
			assert.Equal(t, tt.wantSwap, res.MemorySwap)
			assert.Equal(t, tt.update.Memory, res.Memory)
		})
	}
}

func TestResourcesRejects(t *testing.T) {
	tests := []struct {
		name string
		in   *runtimeapi.LinuxContainerResources
	}{
		{"negative shares", &runtimeapi.LinuxContainerResources{CpuShares: -2}},
		{"quota below -1", &runtimeapi.LinuxContainerResources{CpuQuota: -2}},
		{"negative period", &runtimeapi.LinuxContainerResources{CpuPeriod: -1}},
		{"negative memory", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: -1}},
		{"memory.max not a number", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"memory.max": "1G"}}},
		{"pids.max not a number", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"pids.max": "many"}}},
		{"cpu.weight zero", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"cpu.weight": "0"}}},
		{"cpu.weight too big", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"cpu.weight": "10001"}}},
		{"cpu.weight max", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"cpu.weight": "max"}}},
		{"memory.swap.max not a number", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 1 << 20, Unified: map[string]string{"memory.swap.max": "1G"}}},
		{"memory.oom.group not 0 or 1", &runtimeapi.LinuxContainerResources{Unified: map[string]string{"memory.oom.group": "2"}}},
		{"memory.swap.max negative", &runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 1 << 20, Unified: map[string]string{"memory.swap.max": "-2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Resources(tt.in, HostLimits{})
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}

func TestResourcesFromHost(t *testing.T) {
	assert.Nil(t, ResourcesFromHost(nil))
	h := &container.HostConfig{OomScoreAdj: -997, Resources: container.Resources{
		CPUShares: 102, CPUQuota: 20000, CPUPeriod: 100000, CpusetCpus: "1", CpusetMems: "0",
		Memory: 64 << 20, MemorySwap: 128 << 20,
	}}
	assert.Equal(t, &runtimeapi.ContainerResources{Linux: &runtimeapi.LinuxContainerResources{
		CpuShares: 102, CpuQuota: 20000, CpuPeriod: 100000, CpusetCpus: "1", CpusetMems: "0",
		MemoryLimitInBytes: 64 << 20, MemorySwapLimitInBytes: 128 << 20, OomScoreAdj: -997,
	}}, ResourcesFromHost(h))
}

func TestResourcesRoundTrip(t *testing.T) {
	in := &runtimeapi.LinuxContainerResources{CpuShares: 512, CpuQuota: 30000, CpuPeriod: 100000, MemoryLimitInBytes: 1 << 30, MemorySwapLimitInBytes: 2 << 30, CpusetCpus: "0", CpusetMems: "0"}
	r, _, err := Resources(in, HostLimits{})
	require.NoError(t, err)
	back := ResourcesFromHost(&container.HostConfig{Resources: r})
	assert.Equal(t, in, back.Linux)
}

func TestCgroupFiles(t *testing.T) {
	tests := []struct {
		name    string
		unified map[string]string
		want    string
	}{
		{"none", nil, ""},
		{"oom group", map[string]string{"memory.oom.group": "1"}, "memory.oom.group=1"},
		{"oom group off, spaces", map[string]string{"memory.oom.group": " 0\n"}, "memory.oom.group=0"},
		{"only keys Docker cannot express", map[string]string{"memory.oom.group": "1", "memory.max": "1048576", "memory.high": "1"}, "memory.oom.group=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runtimeapi.LinuxContainerResources{Unified: tt.unified}
			got := CgroupFiles(r)
			assert.Equal(t, tt.want, got)
			_, warnings, err := Resources(r, HostLimits{})
			require.NoError(t, err)
			for _, w := range warnings {
				assert.NotContains(t, w, "memory.oom.group", "applied after start, not a warning")
			}
			if got != "" {
				k, v, _ := strings.Cut(got, "=")
				assert.Equal(t, map[string]string{k: v}, ParseCgroupFiles(got), "round trip")
			}
		})
	}
}

func TestParseCgroupFilesKeepsOnlyKnownSettings(t *testing.T) {
	assert.Equal(t, map[string]string{"memory.oom.group": "1"},
		ParseCgroupFiles("memory.oom.group=1,../../cgroup.procs=1,memory.max=1,memory.oom.group2=1,junk"))
	assert.Empty(t, ParseCgroupFiles("memory.oom.group=yes"))
	assert.Empty(t, ParseCgroupFiles(""))
}
