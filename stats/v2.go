package stats

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/containerd/cgroups/v3/cgroup2"
	cg2stats "github.com/containerd/cgroups/v3/cgroup2/stats"
	"golang.org/x/sys/unix"
)

// cgroup v2 is read through containerd's cgroup library
// (github.com/containerd/cgroups/v3/cgroup2, the reader of containerd's CRI
// plugin), one filtered Stat per reading: only the controllers a caller
// needs. What it cannot tell is whether swap is accounted at all: it
// reports a missing memory.swap.current as 0, the same as a cgroup that
// has used no swap, so that one file's existence is checked here.

const (
	sampleMask   = cgroup2.StatCPU | cgroup2.StatMemory | cgroup2.StatPids | cgroup2.StatIO
	extendedMask = cgroup2.StatCPU | cgroup2.StatMemoryEvents | cgroup2.StatIO
)

func (r *Reader) statV2(cg Cgroup, mask cgroup2.StatMask) (*cg2stats.Metrics, error) {
	m, err := cgroup2.Load(cg.Unified, cgroup2.WithMountpoint(r.CgroupRoot))
	if err != nil {
		return nil, fmt.Errorf("cgroup %q: %w", cg.Unified, err)
	}
	met, err := m.StatFiltered(mask)
	if err != nil {
		return nil, fmt.Errorf("cgroup %q: %w", cg.Unified, err)
	}
	return met, nil
}

func (r *Reader) readV2(cg Cgroup, s *Sample) error {
	met, err := r.statV2(cg, sampleMask)
	if err != nil {
		return err
	}
	cpu, mem := met.GetCPU(), met.GetMemory()
	s.CPUUsageNanos = cpu.GetUsageUsec() * 1000
	s.MemoryUsage = mem.GetUsage()
	s.MemoryLimit = mem.GetUsageLimit() // "max" is MaxUint64: none (Read)
	s.MemoryRSS = mem.GetAnon()
	s.PageFaults, s.MajorPageFaults = mem.GetPgfault(), mem.GetPgmajfault()
	s.MemoryWorkingSet = sub(s.MemoryUsage, mem.GetInactiveFile())
	switch err := unix.Access(r.v2File(cg, "memory.swap.current"), unix.F_OK); {
	case err == nil:
		s.SwapUsage, s.HasSwap = mem.GetSwapUsage(), true
	case !errors.Is(err, unix.ENOENT):
		return fmt.Errorf("%s: %w", filepath.Join(cg.Unified, "memory.swap.current"), err)
	}
	s.Processes = met.GetPids().GetCurrent()
	s.CPUPressure = psiOf(cpu.GetPSI())
	s.MemoryPressure = psiOf(mem.GetPSI())
	s.IOPressure = psiOf(met.GetIo().GetPSI())
	return nil
}

func (r *Reader) readExtendedV2(cg Cgroup) (Extended, error) {
	met, err := r.statV2(cg, extendedMask)
	if err != nil {
		return Extended{}, err
	}
	cpu := met.GetCPU()
	x := Extended{
		CPUPeriods:          cpu.GetNrPeriods(),
		CPUThrottledPeriods: cpu.GetNrThrottled(),
		CPUThrottledNanos:   cpu.GetThrottledUsec() * 1000,
		OOMKills:            met.GetMemoryEvents().GetOomKill(),
	}
	for _, e := range met.GetIo().GetUsage() {
		x.IO = append(x.IO, DeviceIO{Major: e.GetMajor(), Minor: e.GetMinor(),
			ReadBytes: e.GetRbytes(), WriteBytes: e.GetWbytes(), ReadOps: e.GetRios(), WriteOps: e.GetWios()})
	}
	return x, nil
}

// psiOf converts the library's pressure figures; nil where the kernel keeps
// none (no pressure file, or PSI turned off).
func psiOf(p *cg2stats.PSIStats) *PSI {
	if p == nil {
		return nil
	}
	line := func(d *cg2stats.PSIData) PSILine {
		return PSILine{Avg10: d.GetAvg10(), Avg60: d.GetAvg60(), Avg300: d.GetAvg300(), Total: d.GetTotal()}
	}
	return &PSI{Some: line(p.GetSome()), Full: line(p.GetFull())}
}
