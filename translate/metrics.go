package translate

import (
	"fmt"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/stats"
)

// Metric label keys, as cAdvisor names them; network metrics add the
// interface.
var metricLabels = []string{"container", "id", "image", "name", "namespace", "pod"}

type metricDef struct {
	name, help string
	typ        runtimeapi.MetricType
	extra      string // one more label key ("interface", "device"), if any
}

// metricDefs are the cAdvisor-compatible metrics dockercri reports. CRI
// metric values are integers: CPU seconds are whole seconds.
var metricDefs = []metricDef{
	{"container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", runtimeapi.MetricType_COUNTER, ""},
	{"container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", runtimeapi.MetricType_COUNTER, ""},
	{"container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", runtimeapi.MetricType_COUNTER, ""},
	{"container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.", runtimeapi.MetricType_COUNTER, ""},
	{"container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed.", runtimeapi.MetricType_GAUGE, ""},
	{"container_memory_working_set_bytes", "Current working set in bytes.", runtimeapi.MetricType_GAUGE, ""},
	{"container_memory_rss", "Size of RSS in bytes.", runtimeapi.MetricType_GAUGE, ""},
	{"container_memory_swap", "Container swap usage in bytes.", runtimeapi.MetricType_GAUGE, ""},
	{"container_spec_memory_limit_bytes", "Memory limit for the container.", runtimeapi.MetricType_GAUGE, ""},
	{"container_oom_events_total", "Count of out of memory events observed for the container.", runtimeapi.MetricType_COUNTER, ""},
	{"container_processes", "Number of processes running inside the container.", runtimeapi.MetricType_GAUGE, ""},
	{"container_fs_usage_bytes", "Number of bytes that are consumed by the container on this filesystem.", runtimeapi.MetricType_GAUGE, ""},
	{"container_fs_reads_bytes_total", "Cumulative count of bytes read.", runtimeapi.MetricType_COUNTER, "device"},
	{"container_fs_writes_bytes_total", "Cumulative count of bytes written.", runtimeapi.MetricType_COUNTER, "device"},
	{"container_fs_reads_total", "Cumulative count of reads completed.", runtimeapi.MetricType_COUNTER, "device"},
	{"container_fs_writes_total", "Cumulative count of writes completed.", runtimeapi.MetricType_COUNTER, "device"},
	{"container_network_receive_bytes_total", "Cumulative count of bytes received.", runtimeapi.MetricType_COUNTER, "interface"},
	{"container_network_transmit_bytes_total", "Cumulative count of bytes transmitted.", runtimeapi.MetricType_COUNTER, "interface"},
	{"container_network_receive_errors_total", "Cumulative count of errors encountered while receiving.", runtimeapi.MetricType_COUNTER, "interface"},
	{"container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting.", runtimeapi.MetricType_COUNTER, "interface"},
}

// MetricDescriptors describes every metric ListPodSandboxMetrics returns.
func MetricDescriptors() []*runtimeapi.MetricDescriptor {
	out := make([]*runtimeapi.MetricDescriptor, 0, len(metricDefs))
	for _, d := range metricDefs {
		keys := append([]string{}, metricLabels...)
		if d.extra != "" {
			keys = append(keys, d.extra)
		}
		out = append(out, &runtimeapi.MetricDescriptor{Name: d.name, Help: d.help, LabelKeys: keys})
	}
	return out
}

// MetricSource is one pod's usage with what its labels need.
type MetricSource struct {
	Stats          *runtimeapi.PodSandboxStats
	SandboxName    string            // Docker name of the pause container
	SandboxImage   string            // image of the pause container
	ContainerNames map[string]string // container id → Docker name
	Images         map[string]string // container id → image
	MemoryLimits   map[string]uint64 // container id → limit (0: none)
	// Extended is, by container id, what its cgroup says of throttling,
	// OOM kills and block I/O; DeviceNames names the block devices.
	Extended    map[string]stats.Extended
	DeviceNames map[[2]uint64]string
}

// PodMetrics turns a pod's stats into metrics.
func PodMetrics(src MetricSource) *runtimeapi.PodSandboxMetrics {
	st := src.Stats
	meta := st.GetAttributes().GetMetadata()
	out := &runtimeapi.PodSandboxMetrics{PodSandboxId: st.GetAttributes().GetId()}
	podLabels := []string{"POD", out.PodSandboxId, src.SandboxImage, src.SandboxName, meta.GetNamespace(), meta.GetName()}
	if n := st.GetLinux().GetNetwork(); n != nil {
		ifs := append([]*runtimeapi.NetworkInterfaceUsage{n.DefaultInterface}, n.Interfaces...)
		for _, i := range ifs {
			if i == nil {
				continue
			}
			l := append(append([]string{}, podLabels...), i.Name)
			out.Metrics = append(out.Metrics,
				metric("container_network_receive_bytes_total", l, i.GetRxBytes()),
				metric("container_network_transmit_bytes_total", l, i.GetTxBytes()),
				metric("container_network_receive_errors_total", l, i.GetRxErrors()),
				metric("container_network_transmit_errors_total", l, i.GetTxErrors()))
		}
	}
	for _, c := range st.GetLinux().GetContainers() {
		id := c.GetAttributes().GetId()
		l := []string{c.GetAttributes().GetMetadata().GetName(), id, src.Images[id], src.ContainerNames[id], meta.GetNamespace(), meta.GetName()}
		cm := &runtimeapi.ContainerMetrics{ContainerId: id}
		if cpu := c.GetCpu().GetUsageCoreNanoSeconds(); cpu != nil {
			cm.Metrics = append(cm.Metrics, metric("container_cpu_usage_seconds_total", l, &runtimeapi.UInt64Value{Value: cpu.Value / 1e9}))
		}
		if m := c.GetMemory(); m != nil {
			cm.Metrics = append(cm.Metrics,
				metric("container_memory_usage_bytes", l, m.GetUsageBytes()),
				metric("container_memory_working_set_bytes", l, m.GetWorkingSetBytes()),
				metric("container_memory_rss", l, m.GetRssBytes()),
				metric("container_spec_memory_limit_bytes", l, &runtimeapi.UInt64Value{Value: src.MemoryLimits[id]}))
		}
		if s := c.GetSwap(); s != nil {
			cm.Metrics = append(cm.Metrics, metric("container_memory_swap", l, s.GetSwapUsageBytes()))
		}
		if w := c.GetWritableLayer(); w != nil {
			cm.Metrics = append(cm.Metrics, metric("container_fs_usage_bytes", l, w.GetUsedBytes()))
		}
		if x, ok := src.Extended[id]; ok {
			cm.Metrics = append(cm.Metrics, extendedMetrics(l, x, src.DeviceNames)...)
		}
		out.ContainerMetrics = append(out.ContainerMetrics, cm)
	}
	if p := st.GetLinux().GetProcess().GetProcessCount(); p != nil {
		out.Metrics = append(out.Metrics, metric("container_processes", podLabels, p))
	}
	return out
}

// extendedMetrics are a container's throttling, OOM and per-device I/O
// metrics. CRI metric values are integers: throttled time is in whole
// seconds, like the CPU usage.
func extendedMetrics(l []string, x stats.Extended, devices map[[2]uint64]string) []*runtimeapi.Metric {
	u := func(v uint64) *runtimeapi.UInt64Value { return &runtimeapi.UInt64Value{Value: v} }
	out := []*runtimeapi.Metric{
		metric("container_cpu_cfs_periods_total", l, u(x.CPUPeriods)),
		metric("container_cpu_cfs_throttled_periods_total", l, u(x.CPUThrottledPeriods)),
		metric("container_cpu_cfs_throttled_seconds_total", l, u(x.CPUThrottledNanos/1e9)),
		metric("container_oom_events_total", l, u(x.OOMKills)),
	}
	for _, d := range x.IO {
		dev := devices[[2]uint64{d.Major, d.Minor}]
		if dev == "" {
			dev = fmt.Sprintf("%d:%d", d.Major, d.Minor)
		}
		dl := append(append([]string{}, l...), dev)
		out = append(out,
			metric("container_fs_reads_bytes_total", dl, u(d.ReadBytes)),
			metric("container_fs_writes_bytes_total", dl, u(d.WriteBytes)),
			metric("container_fs_reads_total", dl, u(d.ReadOps)),
			metric("container_fs_writes_total", dl, u(d.WriteOps)))
	}
	return out
}

func metric(name string, labels []string, v *runtimeapi.UInt64Value) *runtimeapi.Metric {
	typ := runtimeapi.MetricType_GAUGE
	for _, d := range metricDefs {
		if d.name == name {
			typ = d.typ
		}
	}
	if v == nil {
		v = &runtimeapi.UInt64Value{}
	}
	return &runtimeapi.Metric{Name: name, MetricType: typ, LabelValues: labels, Value: &runtimeapi.UInt64Value{Value: v.Value}}
}
