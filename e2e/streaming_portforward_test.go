package e2e

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const (
	pfPort4    = 8080 // busybox httpd on the pod's every address
	pfPort6    = 8081 // busybox httpd on [::1] only (when the pod has ::1)
	pfDeadPort = 9999 // nothing listens here
	// pfErrTimeout bounds how long a refused port may take to fail.
	pfErrTimeout = 10 * time.Second
)

// withPodIPv6 enables IPv6 in the pod's network namespace (Docker turns
// it off in containers of networks without IPv6), as a cluster allowing
// these sysctls would.
func withPodIPv6() sandboxOpt {
	return withSysctls(map[string]string{"net.ipv6.conf.all.disable_ipv6": "0", "net.ipv6.conf.lo.disable_ipv6": "0"})
}

// pfPod runs a pod serving "pf-ok" on :8080 and, when its loopback has
// ::1, "pf-v6-ok" on [::1]:8081 only. It returns the sandbox id and
// whether the IPv6 server runs (with the reason when not).
func pfPod(t *testing.T, d *daemon, c runtimeapi.RuntimeServiceClient, opts ...sandboxOpt) (string, bool, string) {
	t.Helper()
	script := `mkdir -p /tmp/w4 /tmp/w6; echo pf-ok >/tmp/w4/index.html; echo pf-v6-ok >/tmp/w6/index.html
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null && httpd -f -p '[::1]:8081' -h /tmp/w6 &
exec httpd -f -p 8080 -h /tmp/w4`
	sb, sbCfg := runSandbox(t, d, opts...)
	id := runContainer(t, d, sb, sbCfg, withShell(script))
	waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_RUNNING, 30*time.Second)
	ctx := testCtx(t)
	get := func(u string) string {
		r, err := c.ExecSync(ctx, &runtimeapi.ExecSyncRequest{ContainerId: id, Cmd: []string{"wget", "-qO-", u}, Timeout: 5})
		if err != nil {
			return err.Error()
		}
		return string(r.GetStdout())
	}
	if !eventually(15*time.Second, func() bool { return get("http://127.0.0.1:8080/") == "pf-ok\n" }) {
		t.Fatalf("httpd in the pod did not come up on 8080")
	}
	r, err := c.ExecSync(ctx, &runtimeapi.ExecSyncRequest{ContainerId: id, Cmd: []string{"cat", "/proc/net/if_inet6"}, Timeout: 5})
	require.NoError(t, err)
	if !strings.Contains(string(r.GetStdout()), "00000000000000000000000000000001") {
		return sb, false, fmt.Sprintf("the pod's loopback has no ::1 (/proc/net/if_inet6: %q)", r.GetStdout())
	}
	if !eventually(15*time.Second, func() bool { return get("http://[::1]:8081/") == "pf-v6-ok\n" }) {
		t.Fatalf("httpd in the pod did not come up on [::1]:8081")
	}
	return sb, true, ""
}

// pfURL asks the daemon for a port-forward URL.
func pfURL(t *testing.T, c runtimeapi.RuntimeServiceClient, sandbox string, ports ...int32) *url.URL {
	t.Helper()
	resp, err := c.PortForward(testCtx(t), &runtimeapi.PortForwardRequest{PodSandboxId: sandbox, Port: ports})
	require.NoError(t, err, "PortForward RPC")
	assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+/portforward/[^/]+$`, resp.GetUrl())
	u, err := url.Parse(resp.GetUrl())
	require.NoError(t, err)
	return u
}

// spdyDialer is client-go's SPDY dialer for u, as kubectl port-forward uses.
func spdyDialer(t *testing.T, u *url.URL) httpstream.Dialer {
	t.Helper()
	transport, upgrader, err := spdy.RoundTripperFor(&rest.Config{Host: u.Scheme + "://" + u.Host})
	require.NoError(t, err)
	return spdy.NewDialer(upgrader, &http.Client{Transport: transport}, "POST", u)
}

// forwarder runs client-go's PortForwarder on dialer for remote ports and
// returns the local port of each; it is stopped at cleanup.
func forwarder(t *testing.T, dialer httpstream.Dialer, remote ...int) ([]int, <-chan error) {
	t.Helper()
	var specs []string
	for _, p := range remote {
		specs = append(specs, fmt.Sprintf("0:%d", p))
	}
	stop, ready := make(chan struct{}), make(chan struct{})
	var out, errOut syncBuffer
	pf, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, specs, stop, ready, &out, &errOut)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- pf.ForwardPorts() }()
	t.Cleanup(func() { close(stop) })
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("ForwardPorts: %v (stderr %q)", err, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("port forwarder not ready in 30s")
	}
	ports, err := pf.GetPorts()
	require.NoError(t, err)
	var local []int
	for _, p := range ports {
		local = append(local, int(p.Local))
	}
	return local, done
}

// fetch GETs / from a local port on a fresh connection.
func fetch(local int) (string, error) {
	cl := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := cl.Get(fmt.Sprintf("http://127.0.0.1:%d/", local))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestPortForwardSPDY(t *testing.T) {
	d := startDaemon(t)
	c := streamCRI(t, d)
	sb, has6, why6 := pfPod(t, d, c)

	t.Run("http-through-forwarded-port", func(t *testing.T) {
		local, _ := forwarder(t, spdyDialer(t, pfURL(t, c, sb, pfPort4)), pfPort4)
		for i := 0; i < 5; i++ { // one session, many streams
			body, err := fetch(local[0])
			require.NoError(t, err, "fetch %d", i)
			assert.Equal(t, "pf-ok\n", body)
		}
	})

	t.Run("ipv6-localhost", func(t *testing.T) {
		sb6 := sb
		if !has6 {
			t.Logf("default pod: %s; retrying in a pod with IPv6 enabled by sysctl", why6)
			sb6, has6, why6 = pfPod(t, d, c, withPodIPv6())
		}
		if !has6 {
			t.Skip("skipping IPv6 port-forward: " + why6)
		}
		local, _ := forwarder(t, spdyDialer(t, pfURL(t, c, sb6, pfPort6)), pfPort6)
		body, err := fetch(local[0])
		require.NoError(t, err)
		assert.Equal(t, "pf-v6-ok\n", body)
	})

	t.Run("refused-port-errors-promptly", func(t *testing.T) {
		// Through the PortForwarder: the local connection ends, promptly.
		local, done := forwarder(t, spdyDialer(t, pfURL(t, c, sb, pfDeadPort)), pfDeadPort)
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", local[0]))
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(pfErrTimeout)))
		start := time.Now()
		n, err := conn.Read(make([]byte, 1))
		assert.Zero(t, n)
		var ne net.Error
		assert.False(t, err != nil && errors.As(err, &ne) && ne.Timeout(), "local connection still open %s after dialing a dead port", pfErrTimeout)
		t.Logf("local connection ended after %s: %v", time.Since(start).Round(time.Millisecond), err)
		select {
		case err := <-done:
			t.Logf("ForwardPorts returned: %v", err)
		case <-time.After(pfErrTimeout):
			t.Logf("ForwardPorts still running (client-go closes the session after an error message)")
		}
	})

	t.Run("refused-port-error-stream-message", func(t *testing.T) {
		msg, err := pfRawSPDY(t, pfURL(t, c, sb, pfDeadPort), pfDeadPort)
		require.NoError(t, err)
		assert.Contains(t, msg, fmt.Sprint(pfDeadPort), "error stream should name the port")
		t.Logf("error stream: %s", msg)
	})

	t.Run("token-is-single-use", func(t *testing.T) {
		u := pfURL(t, c, sb, pfPort4)
		conn, _, err := spdyDialer(t, u).Dial(portforward.PortForwardProtocolV1Name)
		require.NoError(t, err)
		conn.Close()
		_, _, err = spdyDialer(t, u).Dial(portforward.PortForwardProtocolV1Name)
		assert.Error(t, err, "second use of a port-forward token must fail")
	})
}

// pfRawSPDY opens one port-forward stream pair on a client-go SPDY
// connection, sends nothing and returns what the error stream carries
// (bounded by pfErrTimeout).
func pfRawSPDY(t *testing.T, u *url.URL, port int) (string, error) {
	t.Helper()
	conn, proto, err := spdyDialer(t, u).Dial(portforward.PortForwardProtocolV1Name)
	require.NoError(t, err)
	defer conn.Close()
	require.Equal(t, portforward.PortForwardProtocolV1Name, proto)
	h := http.Header{}
	h.Set("streamType", "error")
	h.Set("port", fmt.Sprint(port))
	h.Set("requestID", "0")
	errStream, err := conn.CreateStream(h)
	require.NoError(t, err)
	errStream.Close()
	h.Set("streamType", "data")
	data, err := conn.CreateStream(h)
	require.NoError(t, err)
	defer data.Reset()
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(errStream)
		got <- b
	}()
	select {
	case b := <-got:
		if len(b) == 0 {
			return "", fmt.Errorf("error stream closed without a message")
		}
		return string(b), nil
	case <-time.After(pfErrTimeout):
		return "", fmt.Errorf("no error on the stream within %s: the session hangs", pfErrTimeout)
	}
}
