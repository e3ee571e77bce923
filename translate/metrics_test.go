package translate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
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
	m := PodMetrics(MetricSource{Stats: st, SandboxName: "k8s_POD_web", Images: map[string]string{"c1": "img"}, ContainerNames: map[string]string{"c1": "k8s_app"}})
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
		}
	}
}
