package streaming

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	criserver "k8s.io/cri-streaming/pkg/streaming"
)

// Server is the exec/attach/port-forward HTTP server. Its URLs are fully
// qualified (http://host:port/...) so that kubelet can connect to them.
type Server struct {
	cri  criserver.Server
	http *http.Server
	l    net.Listener
}

// NewServer listens on addr (host:port; port 0 picks one) and prepares the
// server; Serve runs it.
func NewServer(addr string, rt criserver.Runtime) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("streaming server on %s: %w", addr, err)
	}
	cfg := criserver.DefaultConfig
	cfg.Addr = l.Addr().String()
	cfg.BaseURL = &url.URL{Scheme: "http", Host: l.Addr().String()}
	cri, err := criserver.NewServer(cfg, rt)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("streaming server: %w", err)
	}
	return &Server{
		cri: cri,
		l:   trackedListener{l},
		http: &http.Server{
			Handler:           websocketPreflight(cri),
			ReadHeaderTimeout: 30 * time.Second,
			ConnContext:       connContext,
		},
	}, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.l.Addr().String() }

// Serve serves until Shutdown.
func (s *Server) Serve() error {
	if err := s.http.Serve(s.l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting sessions and closes open ones.
func (s *Server) Shutdown(ctx context.Context) error {
	_ = s.http.Shutdown(ctx)
	return s.http.Close()
}

// GetExec returns the URL of a new single-use exec session.
func (s *Server) GetExec(req *runtimeapi.ExecRequest) (*runtimeapi.ExecResponse, error) {
	return s.cri.GetExec(req)
}

// GetAttach returns the URL of a new single-use attach session.
func (s *Server) GetAttach(req *runtimeapi.AttachRequest) (*runtimeapi.AttachResponse, error) {
	return s.cri.GetAttach(req)
}

// GetPortForward returns the URL of a new single-use port-forward session.
func (s *Server) GetPortForward(req *runtimeapi.PortForwardRequest) (*runtimeapi.PortForwardResponse, error) {
	return s.cri.GetPortForward(req)
}
