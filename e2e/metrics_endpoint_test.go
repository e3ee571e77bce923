package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestMetricsEndpoint: a bare port binds loopback; /metrics has per-RPC
// counts by code and Docker call latencies; /healthz follows Docker.
func TestMetricsEndpoint(t *testing.T) {
	proxy := startEngineProxy(t)
	port := freePort(t)
	d := startDaemon(t, withFlags("--docker-endpoint", proxy.endpoint(), "--metrics-bind-addr", fmt.Sprint(port)))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	code, body := httpGet(t, base+"/healthz")
	assert.Equal(t, 200, code, body)
	sb, sbCfg := runSandbox(t, d)
	runContainer(t, d, sb, sbCfg)
	_, err := d.runtime.PodSandboxStatus(testCtx(t), "no-such-sandbox", false)
	require.Error(t, err)

	code, body = httpGet(t, base+"/metrics")
	require.Equal(t, 200, code)
	assert.Contains(t, body, `dockercri_grpc_requests_total{code="OK",method="RunPodSandbox"} 1`)
	assert.Contains(t, body, `dockercri_grpc_requests_total{code="NotFound",method="PodSandboxStatus"} 1`)
	assert.Contains(t, body, `dockercri_grpc_request_duration_seconds_bucket{method="CreateContainer"`)
	assert.Contains(t, body, `dockercri_docker_requests_total{operation="POST /containers/{id}/start",outcome="2xx"}`)
	assert.Contains(t, body, `dockercri_docker_request_duration_seconds_count{operation="GET /containers/{id}/json"}`)
	assert.Contains(t, body, `dockercri_grpc_requests_in_flight`)

	proxy.down()
	code, _ = httpGet(t, base+"/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, code, "healthz while dockerd is unreachable")
	proxy.up(t)
	require.True(t, eventually(10*time.Second, func() bool {
		c, _ := httpGet(t, base+"/healthz")
		return c == 200
	}))

	_, err = net.DialTimeout("tcp", fmt.Sprintf("%s:%d", outboundIP(t), port), time.Second)
	assert.Error(t, err, "a bare port must not listen beyond loopback")
}

// outboundIP is a non-loopback address of this host (its Docker bridge).
func outboundIP(t *testing.T) string {
	t.Helper()
	ifs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	for _, a := range ifs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			return ipn.IP.String()
		}
	}
	t.Skip("no non-loopback IPv4 address to check against")
	return ""
}
