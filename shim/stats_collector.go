package shim

import (
	"sync"
	"time"

	"github.com/dockercri/dockercri/stats"
)

// minRateGap is the least time between the two samples a CPU rate is
// computed from: a rate over a few milliseconds is noise.
const minRateGap = 500 * time.Millisecond

// maxBaseAge is how old a sample may be to serve as a rate's base.
const maxBaseAge = 5 * time.Minute

// statsCollector samples cgroups and remembers, per cgroup owner, the
// samples CPU rates are computed from and where its cgroup is. A request
// never waits for a rate: the first sample of a cgroup has none (as
// cAdvisor and containerd do; kubelet computes it from its own cache then).
type statsCollector struct {
	reader *stats.Reader
	disk   *stats.DiskCache

	mu sync.Mutex
	// bases are, per cgroup owner, the last one or two samples, at least
	// minRateGap apart, oldest first.
	bases map[string][]stats.Sample
	where map[string]cgroupInfo
	// snapshots is the containerd snapshotter root that holds the writable
	// layers found through mountinfo ("" until one was found).
	snapshots string
}

// cgroupInfo locates a running container's cgroup and writable layer.
type cgroupInfo struct {
	pid   int
	cg    stats.Cgroup
	upper string
}

func newStatsCollector() *statsCollector {
	return &statsCollector{
		reader: stats.NewReader(), disk: stats.NewDiskCache(30 * time.Second),
		bases: map[string][]stats.Sample{}, where: map[string]cgroupInfo{},
	}
}

// locate returns where container in's cgroup is; ok is false when it is
// not running.
func (c *statsCollector) locate(in *dockerContainer) (cgroupInfo, bool) {
	if in.State == nil || !in.State.Running || in.State.Pid <= 0 {
		return cgroupInfo{}, false
	}
	c.mu.Lock()
	info, ok := c.where[in.ID]
	c.mu.Unlock()
	if ok && info.pid == in.State.Pid {
		return info, true
	}
	cg, err := c.reader.CgroupOf(in.State.Pid)
	if err != nil {
		return cgroupInfo{}, false
	}
	info = cgroupInfo{pid: in.State.Pid, cg: cg, upper: in.GraphDriver.Data["UpperDir"]}
	snapshots := ""
	if info.upper == "" {
		// Docker's containerd image store reports no UpperDir: the
		// writable layer is the upper directory of the container's root
		// overlay, a containerd snapshot.
		if upper, err := c.reader.RootUpperDir(in.State.Pid); err == nil {
			info.upper, snapshots = upper, stats.SnapshotterRoot(upper)
		}
	}
	c.mu.Lock()
	c.where[in.ID] = info
	if snapshots != "" {
		c.snapshots = snapshots
	}
	c.mu.Unlock()
	return info, true
}

// close stops the background walks of writable layers.
func (c *statsCollector) close() { c.disk.Close() }

// snapshotterRoot is the containerd snapshotter root seen in a container's
// root file system, "" before one was seen.
func (c *statsCollector) snapshotterRoot() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snapshots
}

// sampleAll reads the cgroups of keys, returning each with the sample its
// CPU rate is taken from (none, the zero Sample, on a cgroup's first
// sample). It never waits: the base is the newest remembered sample at
// least minRateGap old.
func (c *statsCollector) sampleAll(keys map[string]stats.Cgroup) (cur, prev map[string]stats.Sample) {
	cur, prev = make(map[string]stats.Sample, len(keys)), make(map[string]stats.Sample, len(keys))
	for k, cg := range keys {
		if s, err := c.reader.Read(cg); err == nil {
			cur[k] = s
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range cur {
		if base, ok := rateBase(c.bases[k], s); ok {
			prev[k] = base
		}
		c.bases[k] = rememberSample(c.bases[k], s)
	}
	return cur, prev
}

// rateBase is the newest of bases at least minRateGap (and at most
// maxBaseAge) older than s.
func rateBase(bases []stats.Sample, s stats.Sample) (stats.Sample, bool) {
	for i := len(bases) - 1; i >= 0; i-- {
		if age := s.Time.Sub(bases[i].Time); age >= minRateGap && age <= maxBaseAge {
			return bases[i], true
		}
	}
	return stats.Sample{}, false
}

// rememberSample keeps s as a future rate base when it is at least
// minRateGap newer than the newest one, dropping all but the last two.
func rememberSample(bases []stats.Sample, s stats.Sample) []stats.Sample {
	if n := len(bases); n > 0 && s.Time.Sub(bases[n-1].Time) < minRateGap {
		return bases
	}
	bases = append(bases, s)
	if len(bases) > 2 {
		bases = append(bases[:0], bases[len(bases)-2:]...)
	}
	return bases
}

// forget drops what is known about a removed container.
func (c *statsCollector) forget(id string) {
	c.mu.Lock()
	info := c.where[id]
	delete(c.where, id)
	delete(c.bases, id)
	c.mu.Unlock()
	if info.upper != "" {
		c.disk.Forget(info.upper)
	}
}
