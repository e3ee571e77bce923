// Package metrics is dockercri's own Prometheus instrumentation: CRI calls,
// Docker Engine API calls and streaming sessions, served with /healthz on
// --metrics-bind-addr.
package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "dockercri"

var (
	// RPCs counts CRI calls by method and gRPC code.
	RPCs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "grpc_requests_total", Help: "CRI calls by method and gRPC code.",
	}, []string{"method", "code"})
	// RPCDuration is the latency of CRI calls.
	RPCDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "grpc_request_duration_seconds", Help: "Latency of CRI calls.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"method"})
	// InFlight is the number of CRI calls being served.
	InFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "grpc_requests_in_flight", Help: "CRI calls being served.",
	})
	// DockerCalls counts Docker Engine API calls by operation and outcome.
	DockerCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "docker_requests_total", Help: "Docker Engine API calls by operation and outcome (HTTP status class, or error).",
	}, []string{"operation", "outcome"})
	// DockerDuration is the latency of Docker Engine API calls (until the
	// response headers; streams are not timed to their end).
	DockerDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "docker_request_duration_seconds", Help: "Latency of Docker Engine API calls until the response headers.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"operation"})
	// StreamSessions is the number of open exec/attach/port-forward sessions.
	StreamSessions = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "stream_sessions", Help: "Open streaming sessions by kind.",
	}, []string{"kind"})
)

// Registry holds dockercri's metrics and the Go runtime's.
var Registry = func() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(RPCs, RPCDuration, InFlight, DockerCalls, DockerDuration, StreamSessions,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}()

// BindAddr makes a bare port (":9099" or "9099") a loopback address: the
// endpoint is never exposed unless a host is named.
func BindAddr(addr string) string {
	if !strings.Contains(addr, ":") {
		return "127.0.0.1:" + addr
	}
	if strings.HasPrefix(addr, ":") {
		return "127.0.0.1" + addr
	}
	return addr
}

// Serve serves /metrics and /healthz (200 only while ping succeeds) on
// addr until ctx ends; it returns the address it listens on.
func Serve(ctx context.Context, addr string, ping func(context.Context) error) (string, error) {
	l, err := net.Listen("tcp", BindAddr(addr))
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ping(pctx); err != nil {
			http.Error(w, "docker engine not answering: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = l.Close()
		}
	}()
	return l.Addr().String(), nil
}
