package translate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/stats"
)

func TestPodMetricsLabelsMatchDescriptors(t *testing.T) {
	keys := map[string]int{}
	for _, d := range MetricDescriptors() {
		keys[d.Name] = len(d.LabelKeys)
	}
	u := func(v uint64) *runtimeapi.UInt64Value { return &runtimeapi.UInt64Value{Value: v} }
	st := &runtimeapi.PodSandboxStats{
		Attributes: &runtimeapi.PodSandboxAttributes{Id: "sb", Metadata: &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "ns"}},
		Linux: &runtimeapi.LinuxPodSandboxStats{
			Network: &runtimeapi.NetworkUsage{DefaultInterface: &runtimeapi.NetworkInterfaceUsage{Name: "eth0", RxBytes: u(10)}},
			Process: &runtimeapi.ProcessUsage{ProcessCount: u(2)},
			Containers: []*runtimeapi.ContainerStats{{
				Attributes: &runtimeapi.ContainerAttributes{Id: "c1", Metadata: &runtimeapi.ContainerMetadata{Name: "app"}},
				Cpu:        &runtimeapi.CpuUsage{UsageCoreNanoSeconds: u(3_500_000_000)},
				Memory:     &runtimeapi.MemoryUsage{WorkingSetBytes: u(7)},
			}},
		},
	}
	m := PodMetrics(MetricSource{Stats: st, SandboxName: "k8s_POD_web", Images: map[string]string{"c1": "img"}, ContainerNames: map[string]string{"c1": "k8s_app"},
		Extended: map[string]stats.Extended{"c1": {CPUPeriods: 9, CPUThrottledPeriods: 4, CPUThrottledNanos: 2_600_000_000, OOMKills: 1,
			IO: []stats.DeviceIO{{Major: 8, Minor: 0, ReadBytes: 11, WriteBytes: 12, ReadOps: 1, WriteOps: 2}, {Major: 9, Minor: 1, WriteBytes: 5}}}},
		DeviceNames: map[[2]uint64]string{{8, 0}: "/dev/sda"}})
	assert.Equal(t, "sb", m.PodSandboxId)
	all := append([]*runtimeapi.Metric{}, m.Metrics...)
	require.Len(t, m.ContainerMetrics, 1)
	all = append(all, m.ContainerMetrics[0].Metrics...)
	for _, mt := range all {
		n, ok := keys[mt.Name]
		require.True(t, ok, mt.Name)
		assert.Len(t, mt.LabelValues, n, mt.Name)
	}
	for _, mt := range m.ContainerMetrics[0].Metrics {
		switch mt.Name {
		case "container_cpu_usage_seconds_total":
			assert.Equal(t, uint64(3), mt.Value.Value, "whole seconds")
			assert.Equal(t, runtimeapi.MetricType_COUNTER, mt.MetricType)
		case "container_memory_working_set_bytes":
			assert.Equal(t, uint64(7), mt.Value.Value)
			assert.Equal(t, []string{"app", "c1", "img", "k8s_app", "ns", "web"}, mt.LabelValues)
		case "container_cpu_cfs_throttled_periods_total":
			assert.Equal(t, uint64(4), mt.Value.Value)
		case "container_cpu_cfs_throttled_seconds_total":
			assert.Equal(t, uint64(2), mt.Value.Value, "whole seconds")
		case "container_oom_events_total":
			assert.Equal(t, uint64(1), mt.Value.Value)
		case "container_fs_writes_bytes_total":
			dev := mt.LabelValues[len(mt.LabelValues)-1]
			want := map[string]uint64{"/dev/sda": 12, "9:1": 5}[dev]
			assert.Equal(t, want, mt.Value.Value, dev)
		}
	}
	names := map[string]int{}
	for _, mt := range m.ContainerMetrics[0].Metrics {
		names[mt.Name]++
	}
	assert.Equal(t, 2, names["container_fs_reads_bytes_total"], "one per device")
	assert.Equal(t, 1, names["container_cpu_cfs_periods_total"])
}
