package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestCNIDualStack: a network with an IPv4 and an IPv6 range gives the pod
// both addresses: the IPv4 one as its IP, the IPv6 one in additional_ips.
func TestCNIDualStack(t *testing.T) {
	env := newCNIEnv(t)
	v6 := fmt.Sprintf("fd00:dc:%s::/64", env.bridge[4:])
	conf := fmt.Sprintf(`{"cniVersion":"1.0.0","name":"e2e-%[1]s","plugins":[
	  {"type":"bridge","bridge":%[1]q,"isGateway":true,
	   "ipam":{"type":"host-local","dataDir":%[2]q,"ranges":[[{"subnet":%[3]q}],[{"subnet":%[4]q}]]}},
	  {"type":"firewall"}]}`, env.bridge, env.dataDir, env.subnet, v6)
	require.NoError(t, os.WriteFile(filepath.Join(env.confDir, "10-e2e.conflist"), []byte(conf), 0o644))
	d := startDaemon(t, env.flags())
	sb, _ := runSandbox(t, d, withSysctls(map[string]string{
		// Docker turns IPv6 off in containers of its none network.
		"net.ipv6.conf.all.disable_ipv6":     "0",
		"net.ipv6.conf.default.disable_ipv6": "0",
	}))
	resp, err := d.runtime.PodSandboxStatus(testCtx(t), sb, false)
	require.NoError(t, err)
	n := resp.GetStatus().GetNetwork()
	ip := net.ParseIP(n.GetIp())
	require.NotNil(t, ip, "primary IP %q", n.GetIp())
	assert.NotNil(t, ip.To4(), "the IPv4 address comes first")
	require.Len(t, n.GetAdditionalIps(), 1)
	_, v6net, _ := net.ParseCIDR(v6)
	assert.True(t, v6net.Contains(net.ParseIP(n.GetAdditionalIps()[0].GetIp())), "additional IP %v in %s", n.GetAdditionalIps(), v6)
	require.NoError(t, d.runtime.StopPodSandbox(testCtx(t), sb))
	assert.Empty(t, env.leasedIPs(t))
}

// TestCNIPodCIDRFromKubelet: the pod CIDR kubelet sets with
// UpdateRuntimeConfig reaches plugins that take ipRanges.
func TestCNIPodCIDRFromKubelet(t *testing.T) {
	env := newCNIEnv(t)
	conf := fmt.Sprintf(`{"cniVersion":"1.0.0","name":"e2e-%[1]s","plugins":[
	  {"type":"bridge","bridge":%[1]q,"capabilities":{"ipRanges":true},
	   "ipam":{"type":"host-local","dataDir":%[2]q}},
	  {"type":"firewall"}]}`, env.bridge, env.dataDir)
	require.NoError(t, os.WriteFile(filepath.Join(env.confDir, "10-e2e.conflist"), []byte(conf), 0o644))
	d := startDaemon(t, env.flags())
	require.NoError(t, d.runtime.UpdateRuntimeConfig(testCtx(t), &runtimeapi.RuntimeConfig{
		NetworkConfig: &runtimeapi.NetworkConfig{PodCidr: env.subnet},
	}))
	sb, _ := runSandbox(t, d)
	_, cidr, _ := net.ParseCIDR(env.subnet)
	ip := podIP(t, d, sb)
	assert.True(t, cidr.Contains(net.ParseIP(ip)), "pod IP %q from the pod CIDR %s", ip, env.subnet)
}
