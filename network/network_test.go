package network

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseQuantity(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  bool
	}{
		{"10M", 10_000_000, false},
		{"1Mi", 1 << 20, false},
		{"1.5k", 1500, false},
		{"100", 100, false},
		{"2G", 2_000_000_000, false},
		{"0", 0, true},
		{"-5M", 0, true},
		{"fast", 0, true},
		{"", 0, true},
	}
	for _, c := range cases {
		got, err := parseQuantity(c.in)
		if c.err {
			assert.Error(t, err, c.in)
			continue
		}
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
}

func TestBandwidthFromAnnotations(t *testing.T) {
	b, err := BandwidthFromAnnotations(map[string]string{IngressBandwidthAnnotation: "1M", EgressBandwidthAnnotation: "2M", "other": "x"})
	require.NoError(t, err)
	assert.Equal(t, Bandwidth{IngressRate: 1e6, EgressRate: 2e6}, b)
	_, err = BandwidthFromAnnotations(map[string]string{IngressBandwidthAnnotation: "lots"})
	assert.ErrorContains(t, err, IngressBandwidthAnnotation)
}

func TestRuntimeConf(t *testing.T) {
	rt := runtimeConf(Pod{
		Namespace: "ns", Name: "web", UID: "u1", SandboxID: "sb", NetNS: "/proc/1/ns/net",
		Ports:       []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "TCP"}, {ContainerPort: 81, Protocol: "tcp"}},
		Bandwidth:   Bandwidth{IngressRate: 1000},
		DNS:         DNS{Servers: []string{"10.96.0.10"}},
		Annotations: map[string]string{"a": "b"},
		PodCIDR:     "10.244.1.0/24",
	})
	assert.Equal(t, "sb", rt.ContainerID)
	assert.Equal(t, "eth0", rt.IfName)
	assert.Contains(t, rt.Args, [2]string{"K8S_POD_NAMESPACE", "ns"})
	assert.Contains(t, rt.Args, [2]string{"K8S_POD_NAME", "web"})
	assert.Contains(t, rt.Args, [2]string{"K8S_POD_INFRA_CONTAINER_ID", "sb"})
	assert.Contains(t, rt.Args, [2]string{"K8S_POD_UID", "u1"})
	ports := rt.CapabilityArgs["portMappings"].([]map[string]interface{})
	require.Len(t, ports, 1, "ports without hostPort are not mapped")
	assert.Equal(t, "tcp", ports[0]["protocol"])
	assert.Equal(t, int32(8080), ports[0]["hostPort"])
	bw := rt.CapabilityArgs["bandwidth"].(map[string]interface{})
	assert.Equal(t, int64(1000), bw["ingressRate"])
	assert.NotContains(t, bw, "egressRate")
	assert.Contains(t, rt.CapabilityArgs, "dns")
	assert.Contains(t, rt.CapabilityArgs, "io.kubernetes.cri.pod-annotations")
	assert.Contains(t, rt.CapabilityArgs, "ipRanges")

	bare := runtimeConf(Pod{SandboxID: "x"})
	assert.Empty(t, bare.CapabilityArgs)
}

func TestLoadFirstConfig(t *testing.T) {
	dir := t.TempDir()
	_, _, err := loadFirstConfig(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, errNoConfig)
	_, _, err = loadFirstConfig(dir)
	assert.ErrorIs(t, err, errNoConfig)

	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	write("00-broken.conflist", `{"name":`)
	write("README", `not a config`)
	_, _, err = loadFirstConfig(dir)
	assert.ErrorContains(t, err, "00-broken.conflist")

	write("20-second.conf", `{"cniVersion":"1.0.0","name":"second","type":"bridge"}`)
	write("10-first.conflist", `{"cniVersion":"1.0.0","name":"first","plugins":[{"type":"bridge"}]}`)
	list, path, err := loadFirstConfig(dir)
	require.NoError(t, err)
	assert.Equal(t, "first", list.Name, "sorted by file name, broken ones skipped")
	assert.Equal(t, filepath.Join(dir, "10-first.conflist"), path)

	require.NoError(t, os.Remove(filepath.Join(dir, "10-first.conflist")))
	list, _, err = loadFirstConfig(dir)
	require.NoError(t, err)
	assert.Equal(t, "second", list.Name, "a single .conf becomes a list")
	require.Len(t, list.Plugins, 1)
}
