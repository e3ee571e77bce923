package stats

import (
	"fmt"
	"time"
)

// noLimit is what cgroup v1 reports for an unlimited memory cgroup
// (PAGE_COUNTER_MAX rounded to pages); anything this large is "none".
const noLimit = uint64(1) << 62

// Read takes one sample of a cgroup.
func (r *Reader) Read(cg Cgroup) (Sample, error) {
	s := Sample{Time: time.Now()}
	var err error
	if cg.V2 {
		err = r.readV2(cg, &s)
	} else {
		err = r.readV1(cg, &s)
	}
	if err != nil {
		return Sample{}, err
	}
	if s.MemoryLimit >= noLimit {
		s.MemoryLimit = 0
	}
	return s, nil
}

func (r *Reader) readV1(cg Cgroup, s *Sample) error {
	var err error
	if s.CPUUsageNanos, _, err = readUint(r.v1File(cg, "cpuacct", "cpuacct.usage")); err != nil {
		return err
	}
	if s.MemoryUsage, _, err = readUint(r.v1File(cg, "memory", "memory.usage_in_bytes")); err != nil {
		return err
	}
	if s.MemoryLimit, _, err = readUint(r.v1File(cg, "memory", "memory.limit_in_bytes")); err != nil {
		return err
	}
	st, err := readKeyed(r.v1File(cg, "memory", "memory.stat"))
	if err != nil {
		return fmt.Errorf("memory.stat: %w", err)
	}
	s.MemoryRSS = st["total_rss"]
	s.PageFaults, s.MajorPageFaults = st["total_pgfault"], st["total_pgmajfault"]
	s.MemoryWorkingSet = sub(s.MemoryUsage, st["total_inactive_file"])
	if memsw, ok, err := readUint(r.v1File(cg, "memory", "memory.memsw.usage_in_bytes")); err == nil && ok {
		s.SwapUsage, s.HasSwap = sub(memsw, s.MemoryUsage), true
	}
	s.Processes, _, err = readUint(r.v1File(cg, "pids", "pids.current"))
	return err
}

func sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}
