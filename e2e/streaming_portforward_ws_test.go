package e2e

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/streaming/pkg/httpstream"
)

// TestPortForwardWebsocket covers the websocket side of port-forward:
//   - the websocket protocol k8s.io/cri-streaming serves
//     (v4.channel.k8s.io: one websocket per session, a data and an error
//     channel per port, each opened by the port number). client-go has no
//     client for it, so a minimal one is written here on gorilla/websocket;
//   - client-go's SPDY-over-websocket tunneling dialer, and the fallback
//     dialer kubectl builds from it and the SPDY dialer.
func TestPortForwardWebsocket(t *testing.T) {
	d := startDaemon(t)
	c := streamCRI(t, d)
	sb, _, _ := pfPod(t, d, c)

	t.Run("v4-channel-http", func(t *testing.T) {
		data, errs := pfWebsocket(t, pfURL(t, c, sb, pfPort4), pfPort4, "GET / HTTP/1.0\r\n\r\n", "pf-ok\n")
		assert.Contains(t, data, "200 OK")
		assert.True(t, strings.HasSuffix(data, "pf-ok\n"), "response: %q", data)
		assert.Empty(t, errs)
	})

	t.Run("v4-channel-refused-port", func(t *testing.T) {
		start := time.Now()
		data, errs := pfWebsocket(t, pfURL(t, c, sb, pfDeadPort), pfDeadPort, "", "")
		assert.Empty(t, data)
		assert.Contains(t, errs, fmt.Sprint(pfDeadPort), "error channel must carry the failure")
		assert.Less(t, time.Since(start), pfErrTimeout)
		t.Logf("error channel: %s", errs)
	})

	cfgFor := func(u *url.URL) *rest.Config { return &rest.Config{Host: u.Scheme + "://" + u.Host} }

	t.Run("spdy-over-websocket-tunnel", func(t *testing.T) {
		u := pfURL(t, c, sb, pfPort4)
		tunnel, err := portforward.NewSPDYOverWebsocketDialer(u, cfgFor(u))
		require.NoError(t, err)
		conn, proto, err := tunnel.Dial(portforward.PortForwardProtocolV1Name)
		if err != nil {
			// The cri-streaming server does not offer the tunneling
			// protocol (the API server translates it to SPDY for kubelet);
			// then the upgrade must fail as an upgrade failure, which is
			// what makes kubectl fall back to SPDY.
			t.Logf("tunneling dialer: %v (IsUpgradeFailure=%v)", err, httpstream.IsUpgradeFailure(err))
			assert.True(t, httpstream.IsUpgradeFailure(err), "want an upgrade failure, got %T %v", err, err)
			return
		}
		defer conn.Close()
		assert.Equal(t, portforward.PortForwardProtocolV1Name, proto)
	})

	t.Run("fallback-dialer", func(t *testing.T) {
		u := pfURL(t, c, sb, pfPort4)
		tunnel, err := portforward.NewSPDYOverWebsocketDialer(u, cfgFor(u))
		require.NoError(t, err)
		dialer := portforward.NewFallbackDialer(tunnel, spdyDialer(t, u), func(err error) bool {
			return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
		})
		local, _ := forwarder(t, dialer, pfPort4)
		body, err := fetch(local[0])
		require.NoError(t, err)
		assert.Equal(t, "pf-ok\n", body)
	})
}

// pfWebsocket runs one v4.channel.k8s.io port-forward session for the
// single port of u (port): sends request on the data channel and reads until the
// data holds want, the server closes, or pfErrTimeout passes. It returns
// the data and error channel contents without their port prefixes.
func pfWebsocket(t *testing.T, u *url.URL, port int, request, want string) (string, string) {
	t.Helper()
	dialer := websocket.Dialer{Subprotocols: []string{"v4.channel.k8s.io"}, HandshakeTimeout: 10 * time.Second}
	ws, resp, err := dialer.Dial("ws://"+u.Host+u.Path, nil)
	if resp != nil {
		resp.Body.Close()
	}
	require.NoError(t, err, "websocket handshake")
	defer ws.Close()
	assert.Equal(t, "v4.channel.k8s.io", ws.Subprotocol())
	if request != "" {
		require.NoError(t, ws.WriteMessage(websocket.BinaryMessage, append([]byte{0}, request...)))
	}
	var chans [2]bytes.Buffer
	deadline := time.Now().Add(pfErrTimeout)
	require.NoError(t, ws.SetReadDeadline(deadline))
	for {
		if want != "" && strings.HasSuffix(chans[0].String(), want) {
			break
		}
		if want == "" && chans[1].Len() > 2 {
			break
		}
		_, msg, err := ws.ReadMessage()
		if err != nil {
			if time.Now().After(deadline) {
				t.Errorf("port-forward websocket: nothing conclusive within %s", pfErrTimeout)
			}
			break
		}
		if len(msg) == 0 || msg[0] > 1 {
			t.Errorf("frame on unexpected channel: %q", msg)
			continue
		}
		chans[msg[0]].Write(msg[1:])
	}
	out := [2]string{}
	for i := range chans {
		b := chans[i].Bytes()
		if len(b) >= 2 {
			if got := binary.LittleEndian.Uint16(b); int(got) != port {
				t.Errorf("channel %d opened with port %d, want %d", i, got, port)
			}
			b = b[2:]
		} else {
			t.Errorf("channel %d never sent its port prefix", i)
		}
		out[i] = string(b)
	}
	return out[0], out[1]
}
