package metrics

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Transport times every Docker Engine API call at the one place they all
// pass: the HTTP client's transport.
type Transport struct {
	Next http.RoundTripper
}

var (
	apiVersion = regexp.MustCompile(`^/v[0-9.]+`)
	// Path segments after these are ids or names, not part of the operation.
	idAfter = map[string]bool{"containers": true, "exec": true, "images": true, "networks": true, "volumes": true}
)

// Operation names a request without its ids: "GET /containers/{id}/json".
func Operation(method, path string) string {
	path = apiVersion.ReplaceAllString(path, "")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i := 1; i < len(parts); i++ {
		if idAfter[parts[i-1]] && parts[i] != "json" && parts[i] != "create" && parts[i] != "prune" {
			parts[i] = "{id}"
			// Image names may contain slashes: fold them into one {id}.
			if parts[i-1] == "images" && len(parts) > i+1 {
				last := parts[len(parts)-1]
				parts = append(parts[:i+1], last)
			}
		}
	}
	return method + " /" + strings.Join(parts, "/")
}

// RoundTrip records the call's latency and outcome.
func (t Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := Operation(req.Method, req.URL.Path)
	start := time.Now()
	resp, err := t.Next.RoundTrip(req)
	DockerDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	outcome := "error"
	if err == nil {
		outcome = strconv.Itoa(resp.StatusCode/100) + "xx"
	}
	DockerCalls.WithLabelValues(op, outcome).Inc()
	return resp, err
}
