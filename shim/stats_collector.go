package shim

import (
	"sync"
	"time"

	"github.com/dockercri/dockercri/stats"
	"github.com/dockercri/dockercri/store"
)

// minRateGap is the least time between the two samples a CPU rate is
// computed from: a rate over a few milliseconds is noise.
const minRateGap = 500 * time.Millisecond

// maxBaseAge is how old a sample may be to serve as a rate's base.
const maxBaseAge = 5 * time.Minute

// statsCollector samples cgroups. What it keeps of a container between
// requests — where its cgroup is and the samples CPU rates are computed
// from — lives in the container's store entry (store.StatsState), so it
// goes with the container. A request never waits for a rate: the first
// sample of a cgroup has none (as cAdvisor and containerd do; kubelet
// computes it from its own cache then).
type statsCollector struct {
	reader     *stats.Reader
	disk       *stats.DiskCache
	containers *store.Containers
	v2         bool // the host's cgroups are v2 (unified)

	mu sync.Mutex
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

func newStatsCollector(containers *store.Containers, r *stats.Reader) *statsCollector {
	if r == nil {
		r = stats.NewReader()
	}
	return &statsCollector{reader: r, disk: stats.NewDiskCache(30 * time.Second), containers: containers, v2: r.IsV2()}
}

// locate returns where container in's cgroup is; ok is false when it is
// not running.
func (c *statsCollector) locate(in *dockerContainer) (cgroupInfo, bool) {
	if in.State == nil || !in.State.Running || in.State.Pid <= 0 {
		return cgroupInfo{}, false
	}
	if st, ok := c.containers.Stats(in.ID); ok && st.Pid == in.State.Pid {
		return cgroupInfo{pid: st.Pid, cg: st.Cgroup, upper: st.Upper}, true
	}
	cg, err := c.reader.CgroupOf(in.State.Pid)
	if err != nil {
		return cgroupInfo{}, false
	}
	info := cgroupInfo{pid: in.State.Pid, cg: cg, upper: in.GraphDriver.Data["UpperDir"]}
	if info.upper == "" {
		// Docker's containerd image store reports no UpperDir: the
		// writable layer is the upper directory of the container's root
		// overlay, a containerd snapshot.
		if upper, err := c.reader.RootUpperDir(in.State.Pid); err == nil {
			info.upper = upper
			c.mu.Lock()
			c.snapshots = stats.SnapshotterRoot(upper)
			c.mu.Unlock()
		}
	}
	// A new process (a first look, or a restart): new location, and the
	// old samples are no base for the new cgroup's counters.
	c.containers.UpdateStats([]string{in.ID}, func(_ string, st *store.StatsState) {
		*st = store.StatsState{Pid: info.pid, Cgroup: info.cg, Upper: info.upper,
			OOMKills: st.OOMKills, OOMKillsFromParent: st.OOMKillsFromParent}
	})
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
	ids := make([]string, 0, len(keys))
	for k, cg := range keys {
		if s, err := c.reader.Read(cg); err == nil {
			cur[k] = s
			ids = append(ids, k)
		}
	}
	c.containers.UpdateStats(ids, func(id string, st *store.StatsState) {
		s := cur[id]
		if base, ok := rateBase(st.Bases, s); ok {
			prev[id] = base
		}
		st.Bases = rememberSample(st.Bases, s)
	})
	return cur, prev
}

// extended reads the throttling, OOM and I/O counters of a container the
// stats path located (ok false for one it did not, or that has no cgroup
// any more).
func (c *statsCollector) extended(id string) (stats.Extended, bool) {
	st, ok := c.containers.Stats(id)
	if !ok || st.Pid == 0 {
		return stats.Extended{}, false
	}
	x, err := c.reader.ReadExtended(st.Cgroup)
	return x, err == nil
}

// podSample is one reading of a pod's own cgroup and its rate base.
type podSample struct {
	cur, prev stats.Sample
	hasPrev   bool
}

// samplePods reads the pod cgroups of the sandboxes whose pause container
// b located under the cgroup parent they were created with (kubelet's
// pod cgroup: everything the pod's containers are charged for, exited
// ones' page cache included). Sandboxes without one are left out; their
// usage is the sum of their containers.
func (c *statsCollector) samplePods(b statsBatch, sbs []*dockerContainer) map[string]podSample {
	out := map[string]podSample{}
	var ids []string
	for _, sb := range sbs {
		info, ok := b.infos[sb.ID]
		if !ok || sb.HostConfig == nil || sb.HostConfig.CgroupParent == "" {
			continue
		}
		pod, ok := info.cg.Parent(sb.HostConfig.CgroupParent)
		if !ok {
			continue
		}
		if s, err := c.reader.Read(pod); err == nil {
			out[sb.ID] = podSample{cur: s}
			ids = append(ids, sb.ID)
		}
	}
	c.containers.UpdateStats(ids, func(id string, st *store.StatsState) {
		ps := out[id]
		ps.prev, ps.hasPrev = rateBase(st.PodBases, ps.cur)
		st.PodBases = rememberSample(st.PodBases, ps.cur)
		out[id] = ps
	})
	return out
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
