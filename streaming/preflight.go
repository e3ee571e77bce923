package streaming

import (
	"net/http"
	"path"
	"strings"
)

// The websocket subprotocols k8s.io/cri-streaming's handlers accept ("" is
// a client that names none).
var (
	execWebsocketProtocols = []string{"", "channel.k8s.io", "base64.channel.k8s.io", "v4.channel.k8s.io", "v4.base64.channel.k8s.io"}
	portForwardProtocols   = []string{"", "v4.channel.k8s.io", "v4.base64.channel.k8s.io"}
)

// websocketPreflight refuses a websocket upgrade that offers none of the
// supported subprotocols before the session's single-use token is looked
// up: otherwise the failed handshake would spend the token, and a client
// (kubectl, client-go) falling back to SPDY on the same URL would get 404.
func websocketPreflight(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebsocketUpgrade(r) {
			allowed := execWebsocketProtocols
			if path.Base(path.Dir(r.URL.Path)) == "portforward" {
				allowed = portForwardProtocols
			}
			if !offersAny(r, allowed) {
				http.Error(w, "none of the requested websocket protocols is supported (supported: "+strings.Join(allowed[1:], ", ")+")", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func isWebsocketUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

// offersAny reports whether the client offers one of allowed.
func offersAny(r *http.Request, allowed []string) bool {
	var offered []string
	for _, h := range r.Header.Values("Sec-Websocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			if p = strings.TrimSpace(p); p != "" {
				offered = append(offered, p)
			}
		}
	}
	if len(offered) == 0 {
		offered = []string{""}
	}
	for _, o := range offered {
		for _, a := range allowed {
			if o == a {
				return true
			}
		}
	}
	return false
}
