package shim

import (
	"context"
	"sync"
	"time"

	"github.com/dockercri/dockercri/stats"
)

// rateWindow is how far apart two samples are taken when a CPU rate is
// needed and no earlier sample is known.
const rateWindow = 100 * time.Millisecond

// statsCollector samples cgroups and remembers, per cgroup owner, the
// previous sample (for CPU rates) and where its cgroup is.
type statsCollector struct {
	reader *stats.Reader
	disk   *stats.DiskCache

	mu    sync.Mutex
	prev  map[string]stats.Sample
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
		prev: map[string]stats.Sample{}, where: map[string]cgroupInfo{},
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

// sampleAll reads the cgroups of keys, returning each with the sample
// before it (taking a second sample after rateWindow for keys without a
// recent earlier one, so that every CPU rate can be reported).
func (c *statsCollector) sampleAll(ctx context.Context, keys map[string]stats.Cgroup) (cur, prev map[string]stats.Sample) {
	cur, prev = map[string]stats.Sample{}, map[string]stats.Sample{}
	var fresh []string
	c.mu.Lock()
	for k := range keys {
		if p, ok := c.prev[k]; ok && time.Since(p.Time) < 5*time.Minute {
			prev[k] = p
		} else {
			fresh = append(fresh, k)
		}
	}
	c.mu.Unlock()
	if len(fresh) > 0 {
		for _, k := range fresh {
			if s, err := c.reader.Read(keys[k]); err == nil {
				prev[k] = s
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(rateWindow):
		}
	}
	for k, cg := range keys {
		if s, err := c.reader.Read(cg); err == nil {
			cur[k] = s
		}
	}
	c.mu.Lock()
	for k, s := range cur {
		c.prev[k] = s
	}
	c.mu.Unlock()
	return cur, prev
}

// forget drops what is known about a removed container.
func (c *statsCollector) forget(id string) {
	c.mu.Lock()
	info := c.where[id]
	delete(c.where, id)
	delete(c.prev, id)
	c.mu.Unlock()
	if info.upper != "" {
		c.disk.Forget(info.upper)
	}
}
