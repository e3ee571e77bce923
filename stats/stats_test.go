package stats

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFiles(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for p, body := range files {
		full := filepath.Join(root, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	}
}

func TestReadV1(t *testing.T) {
	root := t.TempDir()
	r := &Reader{CgroupRoot: filepath.Join(root, "cg"), ProcRoot: filepath.Join(root, "proc")}
	writeFiles(t, root, map[string]string{
		"proc/42/cgroup":                             "4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n8:pids:/docker/abc\n0::/docker/abc\n",
		"cg/cpuacct/docker/abc/cpuacct.usage":        "123456789\n",
		"cg/memory/docker/abc/memory.usage_in_bytes": "10000\n",
		"cg/memory/docker/abc/memory.limit_in_bytes": "9223372036854771712\n",
		"cg/memory/docker/abc/memory.stat":           "cache 5000\ntotal_rss 3000\ntotal_inactive_file 4000\ntotal_pgfault 7\ntotal_pgmajfault 1\n",
		"cg/pids/docker/abc/pids.current":            "3\n",
	})
	cg, err := r.CgroupOf(42)
	require.NoError(t, err)
	assert.False(t, cg.V2)
	assert.Equal(t, "/docker/abc", cg.V1["cpuacct"], "comma-joined controllers are split")
	s, err := r.Read(cg)
	require.NoError(t, err)
	assert.Equal(t, uint64(123456789), s.CPUUsageNanos)
	assert.Equal(t, uint64(10000), s.MemoryUsage)
	assert.Equal(t, uint64(6000), s.MemoryWorkingSet, "usage minus inactive file")
	assert.Equal(t, uint64(3000), s.MemoryRSS)
	assert.Equal(t, uint64(0), s.MemoryLimit, "the unlimited value means no limit")
	assert.Equal(t, uint64(7), s.PageFaults)
	assert.Equal(t, uint64(1), s.MajorPageFaults)
	assert.Equal(t, uint64(3), s.Processes)
	assert.False(t, s.HasSwap, "no memsw accounting file")
}

func TestReadV2(t *testing.T) {
	root := t.TempDir()
	r := &Reader{CgroupRoot: filepath.Join(root, "cg"), ProcRoot: filepath.Join(root, "proc")}
	writeFiles(t, root, map[string]string{
		"cg/cgroup.controllers":                                "cpu memory pids\n",
		"proc/7/cgroup":                                        "0::/system.slice/docker-abc.scope\n",
		"cg/system.slice/docker-abc.scope/cpu.stat":            "usage_usec 2500\nuser_usec 2000\n",
		"cg/system.slice/docker-abc.scope/memory.current":      "8192\n",
		"cg/system.slice/docker-abc.scope/memory.max":          "16384\n",
		"cg/system.slice/docker-abc.scope/memory.stat":         "anon 4096\ninactive_file 1024\npgfault 9\npgmajfault 2\n",
		"cg/system.slice/docker-abc.scope/memory.swap.current": "512\n",
		"cg/system.slice/docker-abc.scope/pids.current":        "5\n",
		"cg/system.slice/docker-abc.scope/cpu.pressure":        "some avg10=1.50 avg60=0.75 avg300=0.10 total=123456\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=42\n",
	})
	cg, err := r.CgroupOf(7)
	require.NoError(t, err)
	require.True(t, cg.V2)
	s, err := r.Read(cg)
	require.NoError(t, err)
	assert.Equal(t, uint64(2500000), s.CPUUsageNanos)
	assert.Equal(t, uint64(7168), s.MemoryWorkingSet)
	assert.Equal(t, uint64(16384), s.MemoryLimit)
	assert.Equal(t, uint64(4096), s.MemoryRSS)
	assert.True(t, s.HasSwap)
	assert.Equal(t, uint64(512), s.SwapUsage)
	assert.Equal(t, uint64(5), s.Processes)
	require.NotNil(t, s.CPUPressure)
	assert.Equal(t, PSILine{Avg10: 1.5, Avg60: 0.75, Avg300: 0.1, Total: 123456}, s.CPUPressure.Some)
	assert.Equal(t, uint64(42), s.CPUPressure.Full.Total)
	assert.Nil(t, s.MemoryPressure, "no memory.pressure file: no PSI")
}

// TestReadV2Unlimited: "max" limits read as none, and a kernel without
// swap accounting (no memory.swap.current) reports no swap rather than 0.
func TestReadV2Unlimited(t *testing.T) {
	root := t.TempDir()
	r := &Reader{CgroupRoot: filepath.Join(root, "cg")}
	writeFiles(t, root, map[string]string{
		"cg/cgroup.controllers":           "cpu memory pids\n",
		"cg/kubepods/pod1/cpu.stat":       "usage_usec 7\n",
		"cg/kubepods/pod1/memory.current": "4096\n",
		"cg/kubepods/pod1/memory.max":     "max\n",
		"cg/kubepods/pod1/memory.stat":    "anon 4096\n",
		"cg/kubepods/pod1/pids.current":   "1\n",
	})
	s, err := r.Read(Cgroup{V2: true, Unified: "/kubepods/pod1"})
	require.NoError(t, err)
	assert.Equal(t, uint64(0), s.MemoryLimit, "max: no limit")
	assert.False(t, s.HasSwap, "no memory.swap.current: swap not accounted")
	assert.Equal(t, uint64(4096), s.MemoryWorkingSet)
	assert.Equal(t, uint64(7000), s.CPUUsageNanos)
	assert.Nil(t, s.CPUPressure)

	s, err = r.Read(Cgroup{V2: true, Unified: "/kubepods/gone"})
	require.NoError(t, err, "a cgroup that is gone reads as zeros, as before")
	assert.Equal(t, uint64(0), s.MemoryUsage)
}

func TestNetDev(t *testing.T) {
	root := t.TempDir()
	r := &Reader{ProcRoot: root}
	writeFiles(t, root, map[string]string{"9/net/dev": `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
  eth0:    2000      20    1    0    0     0          0         0     3000      30    2    0    0     0       0          0
`})
	ifs, err := r.NetDev(9)
	require.NoError(t, err)
	require.Len(t, ifs, 1, "loopback is left out")
	assert.Equal(t, Interface{Name: "eth0", RxBytes: 2000, RxErrors: 1, TxBytes: 3000, TxErrors: 2}, ifs[0])
}

func TestDiskCacheWalksInBackground(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a": string(make([]byte, 8192)), "sub/b": "x"})
	c := NewDiskCache(0)
	_, ok := c.Get(dir)
	assert.False(t, ok, "the first call does not wait for the walk")
	var u DiskUsage
	require.Eventually(t, func() bool { u, ok = c.Get(dir); return ok }, 5e9, 1e7)
	assert.GreaterOrEqual(t, u.Bytes, uint64(8192))
	assert.Equal(t, uint64(4), u.Inodes, "root, a, sub, sub/b")
}

// TestDiskCacheWalksOneAtATime: many stale layers are walked by one
// walker, each once, and all get their usage.
func TestDiskCacheWalksOneAtATime(t *testing.T) {
	root := t.TempDir()
	var dirs []string
	for i := range 20 {
		d := filepath.Join(root, fmt.Sprint(i))
		writeFiles(t, d, map[string]string{"f": "x"})
		dirs = append(dirs, d)
	}
	c := NewDiskCache(time.Hour)
	defer c.Close()
	for range 3 {
		for _, d := range dirs {
			c.Get(d)
		}
	}
	c.mu.Lock()
	assert.LessOrEqual(t, len(c.queued), len(dirs), "a queued directory is not queued again")
	c.mu.Unlock()
	require.Eventually(t, func() bool {
		for _, d := range dirs {
			if _, ok := c.Get(d); !ok {
				return false
			}
		}
		return true
	}, 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return !c.walker }, 5*time.Second, 10*time.Millisecond,
		"the walker ends when the queue is empty")
	assert.Empty(t, c.queue)
	assert.Empty(t, c.queued)
}

func TestReadSmall(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 511, 512, 513, 5000} {
		body := strings.Repeat("x", n)
		p := filepath.Join(dir, fmt.Sprint(n))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		got, err := readSmall(p)
		require.NoError(t, err)
		assert.Equal(t, body, string(got), "%d bytes", n)
	}
	_, err := readSmall(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = readSmall(dir)
	assert.Error(t, err, "a directory cannot be read")
}

// TestDiskCacheForgetsWhatNobodyAsksFor: a removed container's layer is
// dropped from the cache without a word from the caller.
func TestDiskCacheForgetsWhatNobodyAsksFor(t *testing.T) {
	root := t.TempDir()
	kept, gone := filepath.Join(root, "kept"), filepath.Join(root, "gone")
	writeFiles(t, kept, map[string]string{"f": "x"})
	writeFiles(t, gone, map[string]string{"f": "x"})
	c := NewDiskCache(time.Hour)
	defer c.Close()
	require.Eventually(t, func() bool {
		_, ok1 := c.Get(kept)
		_, ok2 := c.Get(gone)
		return ok1 && ok2
	}, 5*time.Second, 10*time.Millisecond)

	c.mu.Lock()
	c.asked[gone] = time.Now().Add(-diskForgetAfter - time.Second)
	c.swept = time.Time{}
	c.mu.Unlock()
	_, ok := c.Get(kept)
	assert.True(t, ok)
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.NotContains(t, c.entries, gone, "not asked for in diskForgetAfter: forgotten")
	assert.NotContains(t, c.asked, gone)
	assert.Contains(t, c.entries, kept)
}

func TestCgroupParent(t *testing.T) {
	v1 := func(p string) Cgroup {
		return Cgroup{V1: map[string]string{"memory": p, "cpuacct": p, "pids": p}}
	}
	tests := []struct {
		name   string
		cg     Cgroup
		parent string
		want   Cgroup
		ok     bool
	}{
		{"cgroupfs v1", v1("/kubepods/burstable/podA/abc"), "/kubepods/burstable/podA", v1("/kubepods/burstable/podA"), true},
		{"systemd v2", Cgroup{V2: true, Unified: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podA.slice/docker-abc.scope"},
			"kubepods-burstable-podA.slice", Cgroup{V2: true, Unified: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podA.slice"}, true},
		{"not under that parent", v1("/docker/abc"), "/kubepods/burstable/podA", Cgroup{}, false},
		{"no parent given", v1("/docker/abc"), "", Cgroup{}, false},
		{"namespaced path", Cgroup{V2: true, Unified: "/"}, "podA", Cgroup{V2: true, Unified: "/"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.cg.Parent(tt.parent)
			assert.Equal(t, tt.ok, ok)
			if tt.ok {
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestReadExtended(t *testing.T) {
	root := t.TempDir()
	r := &Reader{CgroupRoot: filepath.Join(root, "cg"), ProcRoot: filepath.Join(root, "proc"), SysRoot: filepath.Join(root, "sys")}
	writeFiles(t, root, map[string]string{
		// cgroup v1
		"cg/cpu/docker/abc/cpu.stat":              "nr_periods 10\nnr_throttled 4\nthrottled_time 2500000000\n",
		"cg/memory/docker/abc/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
		"cg/blkio/docker/abc/blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n" +
			"8:0 Discard 0\n8:0 Total 12288\n254:1 Read 1\n254:1 Write 0\nTotal 12289\n",
		"cg/blkio/docker/abc/blkio.throttle.io_serviced_recursive": "8:0 Read 1\n8:0 Write 2\n8:0 Total 3\nTotal 3\n",
		// cgroup v2
		"cg/sys/ctr/cpu.stat":      "usage_usec 100\nnr_periods 20\nnr_throttled 5\nthrottled_usec 3000\n",
		"cg/sys/ctr/memory.events": "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n",
		"cg/sys/ctr/io.stat":       "8:0 rbytes=100 wbytes=200 rios=3 wios=4 dbytes=0 dios=0\n",
		"sys/dev/block/8:0/uevent": "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n",
	})
	v1 := Cgroup{V1: map[string]string{"cpu": "/docker/abc", "memory": "/docker/abc", "blkio": "/docker/abc"}}
	x, err := r.ReadExtended(v1)
	require.NoError(t, err)
	assert.Equal(t, Extended{CPUPeriods: 10, CPUThrottledPeriods: 4, CPUThrottledNanos: 2500000000, OOMKills: 2, IO: []DeviceIO{
		{Major: 8, Minor: 0, ReadBytes: 4096, WriteBytes: 8192, ReadOps: 1, WriteOps: 2},
		{Major: 254, Minor: 1, ReadBytes: 1},
	}}, x)

	x, err = r.ReadExtended(Cgroup{V2: true, Unified: "/sys/ctr"})
	require.NoError(t, err)
	assert.Equal(t, Extended{CPUPeriods: 20, CPUThrottledPeriods: 5, CPUThrottledNanos: 3000000, OOMKills: 1, IO: []DeviceIO{
		{Major: 8, Minor: 0, ReadBytes: 100, WriteBytes: 200, ReadOps: 3, WriteOps: 4},
	}}, x)

	x, err = r.ReadExtended(Cgroup{V1: map[string]string{"cpu": "/missing", "memory": "/missing", "blkio": "/missing"}})
	require.NoError(t, err, "a kernel without those files reports zeros")
	assert.Equal(t, Extended{}, x)

	assert.Equal(t, "/dev/sda", r.DeviceName(8, 0))
	assert.Equal(t, "254:1", r.DeviceName(254, 1), "no sysfs entry: major:minor")
}

// TestWatchOOMKills runs on a tree of plain files (inotify works on them
// as on cgroupfs): a change of memory.events reports the kill count, an
// empty cgroup ends the watch, and so does the context.
func TestWatchOOMKills(t *testing.T) {
	root := t.TempDir()
	r := &Reader{CgroupRoot: root}
	writeFiles(t, root, map[string]string{
		"ctr/memory.events": "oom 0\noom_kill 0\n",
		"ctr/cgroup.events": "populated 1\nfrozen 0\n",
	})
	cg := Cgroup{V2: true, Unified: "/ctr"}
	kills := make(chan OOMKills, 10)
	done := make(chan error, 1)
	go func() { done <- r.WatchOOMKills(context.Background(), cg, func(k OOMKills) { kills <- k }) }()
	time.Sleep(100 * time.Millisecond) // the watch is set up
	writeFiles(t, root, map[string]string{"ctr/memory.events": "oom 1\noom_kill 1\n"})
	select {
	case k := <-kills:
		assert.Equal(t, OOMKills{Count: 1}, k)
	case <-time.After(5 * time.Second):
		t.Fatal("no kill reported")
	}
	writeFiles(t, root, map[string]string{"ctr/cgroup.events": "populated 0\nfrozen 0\n"})
	waitWatchEnded(t, done)

	ctx, cancel := context.WithCancel(context.Background())
	writeFiles(t, root, map[string]string{"ctr/cgroup.events": "populated 1\n"})
	go func() { done <- r.WatchOOMKills(ctx, cg, func(OOMKills) {}) }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the watch did not end with its context")
	}
	assert.NoError(t, r.WatchOOMKills(ctx, Cgroup{V1: map[string]string{}}, nil), "v1: nothing to watch")
}

// TestWatchOOMKillsCgroupGoneFirst: the killed process is reaped and its
// cgroup removed before the watch reads the cgroup's own count (seen in
// the cgroup v2 guest, where Docker then misses the kill too). The kill is
// still in the parent's hierarchical memory.events, and what the parent
// gained since the watch began is reported, marked as read from the parent.
func TestWatchOOMKillsCgroupGoneFirst(t *testing.T) {
	root := t.TempDir()
	r := &Reader{CgroupRoot: root}
	writeFiles(t, root, map[string]string{
		"pod/memory.events":     "oom 2\noom_kill 2\n", // earlier kills of other containers
		"pod/ctr/memory.events": "oom 0\noom_kill 0\n",
		"pod/ctr/cgroup.events": "populated 1\nfrozen 0\n",
	})
	kills := make(chan OOMKills, 10)
	done := make(chan error, 1)
	go func() {
		done <- r.WatchOOMKills(context.Background(), Cgroup{V2: true, Unified: "/pod/ctr"}, func(k OOMKills) { kills <- k })
	}()
	time.Sleep(100 * time.Millisecond) // the watch is set up
	// The kill, then the cgroup gone (an atomic rename stands in for the
	// kernel's rmdir), then the notice of the kill reaching the watch.
	writeFiles(t, root, map[string]string{"pod/memory.events": "oom 3\noom_kill 3\n"})
	require.NoError(t, os.Rename(filepath.Join(root, "pod", "ctr"), filepath.Join(root, "ctr-removed")))
	writeFiles(t, root, map[string]string{"ctr-removed/memory.events": "oom 1\noom_kill 1\n"})
	waitWatchEnded(t, done)
	require.Len(t, kills, 1)
	assert.Equal(t, OOMKills{Count: 1, FromParent: true}, <-kills)
}

func TestWriteV2(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "kubepods.slice", "docker-1.scope")
	writeFiles(t, root, map[string]string{"kubepods.slice/docker-1.scope/memory.oom.group": "0\n"})
	r := &Reader{CgroupRoot: root}
	cg := Cgroup{V2: true, Unified: "/kubepods.slice/docker-1.scope"}

	require.NoError(t, r.WriteV2(cg, "memory.oom.group", "1"))
	b, err := os.ReadFile(filepath.Join(dir, "memory.oom.group"))
	require.NoError(t, err)
	assert.Equal(t, "1", strings.TrimSpace(string(b)))

	assert.Error(t, r.WriteV2(cg, "memory.high", "1"), "no such interface file: nothing is created")
	assert.NoFileExists(t, filepath.Join(dir, "memory.high"))
	assert.Error(t, r.WriteV2(cg, "../cgroup.procs", "1"), "only the cgroup's own files")
	assert.Error(t, r.WriteV2(Cgroup{V1: map[string]string{"memory": "/x"}}, "memory.oom.group", "1"), "v1")
}

// waitWatchEnded waits for an OOM watch to end with its cgroup.
func waitWatchEnded(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the watch did not end with the cgroup")
	}
}
