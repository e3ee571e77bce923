package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestPodSandboxMetrics: cAdvisor-named metrics for a pod and its
// containers, each described by ListMetricDescriptors with matching labels.
func TestPodSandboxMetrics(t *testing.T) {
	d := startDaemon(t)
	rs, _ := rawClient(t, d.socketPath)
	sb, sbCfg := runSandbox(t, d)
	ctr := runContainer(t, d, sb, sbCfg, withShell(`head -c 20971520 /dev/zero > /dev/shm/fill; sleep 3600`),
		withResources(&runtimeapi.LinuxContainerResources{MemoryLimitInBytes: 256 << 20}))

	desc, err := rs.ListMetricDescriptors(testCtx(t), &runtimeapi.ListMetricDescriptorsRequest{})
	require.NoError(t, err)
	keys := map[string]int{}
	for _, d := range desc.Descriptors {
		keys[d.Name] = len(d.LabelKeys)
	}
	require.Contains(t, keys, "container_memory_working_set_bytes")
	require.Contains(t, keys, "container_network_receive_bytes_total")

	var pod *runtimeapi.PodSandboxMetrics
	require.True(t, eventually(20*time.Second, func() bool {
		resp, err := rs.ListPodSandboxMetrics(testCtx(t), &runtimeapi.ListPodSandboxMetricsRequest{})
		if err != nil {
			return false
		}
		for _, p := range resp.PodMetrics {
			if p.PodSandboxId == sb {
				pod = p
			}
		}
		return pod != nil && value(pod, ctr, "container_memory_working_set_bytes") > 20<<20
	}), "working set metric never showed the 20 MiB")

	check := func(m *runtimeapi.Metric) {
		n, ok := keys[m.Name]
		require.True(t, ok, "metric %s has no descriptor", m.Name)
		assert.Len(t, m.LabelValues, n, "labels of %s", m.Name)
	}
	for _, m := range pod.Metrics {
		check(m)
	}
	require.Len(t, pod.ContainerMetrics, 1)
	assert.Equal(t, ctr, pod.ContainerMetrics[0].ContainerId)
	for _, m := range pod.ContainerMetrics[0].Metrics {
		check(m)
		assert.Equal(t, sbCfg.Metadata.Name, m.LabelValues[5], "pod label")
		assert.Equal(t, sbCfg.Metadata.Namespace, m.LabelValues[4], "namespace label")
	}
	assert.Equal(t, uint64(256<<20), value(pod, ctr, "container_spec_memory_limit_bytes"))
	var sawEth0 bool
	for _, m := range pod.Metrics {
		if m.Name == "container_network_receive_bytes_total" && m.LabelValues[len(m.LabelValues)-1] == "eth0" {
			sawEth0 = true
		}
	}
	assert.True(t, sawEth0, "pod network metrics name eth0")
}

func value(p *runtimeapi.PodSandboxMetrics, ctr, name string) uint64 {
	for _, cm := range p.ContainerMetrics {
		if cm.ContainerId != ctr {
			continue
		}
		for _, m := range cm.Metrics {
			if m.Name == name {
				return m.GetValue().GetValue()
			}
		}
	}
	return 0
}
