package translate

import (
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/stats"
)

// NanoCores is the CPU rate between two samples of one cgroup, in
// billionths of a core; ok is false without a usable earlier sample.
func NanoCores(prev, cur stats.Sample) (uint64, bool) {
	dt := cur.Time.Sub(prev.Time).Nanoseconds()
	if prev.Time.IsZero() || dt <= 0 || cur.CPUUsageNanos < prev.CPUUsageNanos {
		return 0, false
	}
	return uint64(float64(cur.CPUUsageNanos-prev.CPUUsageNanos) / float64(dt) * 1e9), true
}

func u64(v uint64) *runtimeapi.UInt64Value { return &runtimeapi.UInt64Value{Value: v} }

// CPUUsage renders a CPU sample (rate from prev when there is one).
func CPUUsage(prev, cur stats.Sample) *runtimeapi.CpuUsage {
	u := &runtimeapi.CpuUsage{Timestamp: cur.Time.UnixNano(), UsageCoreNanoSeconds: u64(cur.CPUUsageNanos)}
	if n, ok := NanoCores(prev, cur); ok {
		u.UsageNanoCores = u64(n)
	}
	u.Psi = psiStats(cur.CPUPressure)
	return u
}

// psiStats renders pressure stall information (nil stays nil).
func psiStats(p *stats.PSI) *runtimeapi.PsiStats {
	if p == nil {
		return nil
	}
	data := func(l stats.PSILine) *runtimeapi.PsiData {
		return &runtimeapi.PsiData{Total: l.Total, Avg10: l.Avg10, Avg60: l.Avg60, Avg300: l.Avg300}
	}
	return &runtimeapi.PsiStats{Some: data(p.Some), Full: data(p.Full)}
}

// MemoryUsage renders a memory sample; available is limit - working set
// when there is a limit.
func MemoryUsage(s stats.Sample) *runtimeapi.MemoryUsage {
	m := &runtimeapi.MemoryUsage{
		Timestamp:       s.Time.UnixNano(),
		WorkingSetBytes: u64(s.MemoryWorkingSet),
		UsageBytes:      u64(s.MemoryUsage),
		RssBytes:        u64(s.MemoryRSS),
		PageFaults:      u64(s.PageFaults),
		MajorPageFaults: u64(s.MajorPageFaults),
		Psi:             psiStats(s.MemoryPressure),
	}
	if s.MemoryLimit > 0 {
		avail := uint64(0)
		if s.MemoryLimit > s.MemoryWorkingSet {
			avail = s.MemoryLimit - s.MemoryWorkingSet
		}
		m.AvailableBytes = u64(avail)
	}
	return m
}

// SwapUsage renders swap use, nil where the kernel does not account it.
func SwapUsage(s stats.Sample) *runtimeapi.SwapUsage {
	if !s.HasSwap {
		return nil
	}
	return &runtimeapi.SwapUsage{Timestamp: s.Time.UnixNano(), SwapUsageBytes: u64(s.SwapUsage)}
}

// WritableLayer renders a container's writable layer usage.
func WritableLayer(u stats.DiskUsage, mountpoint string) *runtimeapi.FilesystemUsage {
	return &runtimeapi.FilesystemUsage{
		Timestamp:  u.Time.UnixNano(),
		FsId:       &runtimeapi.FilesystemIdentifier{Mountpoint: mountpoint},
		UsedBytes:  u64(u.Bytes),
		InodesUsed: u64(u.Inodes),
	}
}

// NetworkUsage renders a pod's interfaces; the default interface is eth0
// when present, else the first.
func NetworkUsage(ifs []stats.Interface, ts int64) *runtimeapi.NetworkUsage {
	if len(ifs) == 0 {
		return nil
	}
	n := &runtimeapi.NetworkUsage{Timestamp: ts}
	for _, i := range ifs {
		is := &runtimeapi.NetworkInterfaceUsage{
			Name: i.Name, RxBytes: u64(i.RxBytes), RxErrors: u64(i.RxErrors),
			TxBytes: u64(i.TxBytes), TxErrors: u64(i.TxErrors),
		}
		if i.Name == "eth0" || n.DefaultInterface == nil {
			if n.DefaultInterface != nil {
				n.Interfaces = append(n.Interfaces, n.DefaultInterface)
			}
			n.DefaultInterface = is
			continue
		}
		n.Interfaces = append(n.Interfaces, is)
	}
	return n
}

// SumSamples adds the samples of a pod's containers into one.
func SumSamples(samples []stats.Sample) stats.Sample {
	var t stats.Sample
	for _, s := range samples {
		if s.Time.After(t.Time) {
			t.Time = s.Time
		}
		t.CPUUsageNanos += s.CPUUsageNanos
		t.MemoryUsage += s.MemoryUsage
		t.MemoryWorkingSet += s.MemoryWorkingSet
		t.MemoryRSS += s.MemoryRSS
		t.PageFaults += s.PageFaults
		t.MajorPageFaults += s.MajorPageFaults
		t.SwapUsage += s.SwapUsage
		t.HasSwap = t.HasSwap || s.HasSwap
		t.Processes += s.Processes
	}
	return t
}

// IOUsage renders I/O pressure, nil where the kernel keeps none.
func IOUsage(s stats.Sample) *runtimeapi.IoUsage {
	if s.IOPressure == nil {
		return nil
	}
	return &runtimeapi.IoUsage{Timestamp: s.Time.UnixNano(), Psi: psiStats(s.IOPressure)}
}
