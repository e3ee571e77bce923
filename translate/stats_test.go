package translate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/dockercri/dockercri/stats"
)

func TestNanoCores(t *testing.T) {
	t0 := time.Unix(100, 0)
	cases := []struct {
		name      string
		prev, cur stats.Sample
		want      uint64
		ok        bool
	}{
		{"one core", stats.Sample{Time: t0, CPUUsageNanos: 0}, stats.Sample{Time: t0.Add(time.Second), CPUUsageNanos: 1e9}, 1e9, true},
		{"half core", stats.Sample{Time: t0, CPUUsageNanos: 5e8}, stats.Sample{Time: t0.Add(2 * time.Second), CPUUsageNanos: 15e8}, 5e8, true},
		{"no previous", stats.Sample{}, stats.Sample{Time: t0, CPUUsageNanos: 1}, 0, false},
		{"counter went back", stats.Sample{Time: t0, CPUUsageNanos: 9}, stats.Sample{Time: t0.Add(time.Second), CPUUsageNanos: 1}, 0, false},
		{"same instant", stats.Sample{Time: t0, CPUUsageNanos: 1}, stats.Sample{Time: t0, CPUUsageNanos: 2}, 0, false},
	}
	for _, c := range cases {
		got, ok := NanoCores(c.prev, c.cur)
		assert.Equal(t, c.ok, ok, c.name)
		assert.Equal(t, c.want, got, c.name)
	}
}

func TestMemoryUsageAvailable(t *testing.T) {
	m := MemoryUsage(stats.Sample{Time: time.Unix(1, 0), MemoryWorkingSet: 300, MemoryLimit: 1000, MemoryUsage: 500})
	assert.Equal(t, uint64(700), m.GetAvailableBytes().GetValue())
	assert.Equal(t, uint64(300), m.GetWorkingSetBytes().GetValue())
	assert.Nil(t, MemoryUsage(stats.Sample{MemoryWorkingSet: 1}).GetAvailableBytes(), "no limit, no available")
	assert.Nil(t, SwapUsage(stats.Sample{}), "no swap accounting")
}

func TestNetworkUsageDefaultInterface(t *testing.T) {
	n := NetworkUsage([]stats.Interface{{Name: "net1"}, {Name: "eth0", RxBytes: 5}}, 1)
	assert.Equal(t, "eth0", n.GetDefaultInterface().GetName())
	assert.Len(t, n.GetInterfaces(), 1)
	assert.Nil(t, NetworkUsage(nil, 1))
}

func TestSumSamples(t *testing.T) {
	s := SumSamples([]stats.Sample{{Time: time.Unix(1, 0), CPUUsageNanos: 1, MemoryWorkingSet: 2, Processes: 1}, {Time: time.Unix(2, 0), CPUUsageNanos: 3, MemoryWorkingSet: 4, Processes: 2, HasSwap: true}})
	assert.Equal(t, uint64(4), s.CPUUsageNanos)
	assert.Equal(t, uint64(6), s.MemoryWorkingSet)
	assert.Equal(t, uint64(3), s.Processes)
	assert.True(t, s.HasSwap)
	assert.Equal(t, time.Unix(2, 0), s.Time)
}

func TestPSIRendered(t *testing.T) {
	s := stats.Sample{Time: time.Unix(5, 0), CPUPressure: &stats.PSI{Some: stats.PSILine{Avg10: 2.5, Total: 9}}, IOPressure: &stats.PSI{}}
	c := CPUUsage(stats.Sample{}, s)
	assert.Equal(t, 2.5, c.GetPsi().GetSome().GetAvg10())
	assert.Equal(t, uint64(9), c.GetPsi().GetSome().GetTotal())
	assert.Nil(t, MemoryUsage(s).GetPsi(), "no memory pressure on this host")
	assert.NotNil(t, IOUsage(s))
	assert.Nil(t, IOUsage(stats.Sample{}), "cgroup v1: no IO pressure")
}
