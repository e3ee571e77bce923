package shim

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// maxMsgSize matches kubelet's CRI client limit.
const maxMsgSize = 16 * 1024 * 1024

// SocketPath extracts the path of a unix:// endpoint.
func SocketPath(endpoint string) (string, error) {
	path, ok := strings.CutPrefix(endpoint, "unix://")
	if !ok || path == "" || !filepath.IsAbs(path) {
		return "", fmt.Errorf("endpoint %q must be unix:///absolute/path", endpoint)
	}
	return path, nil
}

// Listen creates the CRI socket with mode 0660, replacing a stale socket
// file left by a previous run. A socket that still answers is not replaced.
func Listen(endpoint string) (net.Listener, error) {
	path, err := SocketPath(endpoint)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating socket directory: %w", err)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("%s is in use by another process", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("removing stale socket: %w", err)
		}
		logrus.WithField("socket", path).Info("replaced stale socket")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("checking socket: %w", err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		l.Close()
		return nil, fmt.Errorf("chmod socket: %w", err)
	}
	return l, nil
}

// NewGRPCServer registers svc's RuntimeService and ImageService behind the
// interceptors.
func NewGRPCServer(svc *Service, requestTimeout time.Duration) *grpc.Server {
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(UnaryInterceptor(requestTimeout)),
		grpc.ChainStreamInterceptor(StreamInterceptor),
		grpc.MaxRecvMsgSize(maxMsgSize),
		grpc.MaxSendMsgSize(maxMsgSize),
		grpc.NumStreamWorkers(streamWorkers(runtime.NumCPU())),
		grpc.SharedWriteBuffer(true),
	)
	runtimeapi.RegisterRuntimeServiceServer(srv, svc)
	runtimeapi.RegisterImageServiceServer(srv, svc)
	return srv
}

// streamWorkers sizes the gRPC server's worker pool. A worker keeps the
// stack it grew, so a call it runs does not regrow one through the Docker
// client's deep call chain; a call that finds every worker busy runs on a
// fresh goroutine instead (one per CPU left most lifecycle calls there:
// stack growth was ~5% of dockercri's CPU). Handlers mostly wait on Docker
// rather than compute, so the pool is sized for kubelet's calls in flight,
// not for the CPUs; an idle worker costs only its parked stack.
func streamWorkers(cpus int) uint32 { return uint32(max(16, 4*cpus)) }

// Serve serves until ctx is cancelled, then lets in-flight calls finish
// (for at most grace).
func Serve(ctx context.Context, srv *grpc.Server, l net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	done := make(chan struct{})
	go func() { srv.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		logrus.Warn("in-flight calls did not finish in time; stopping hard")
		srv.Stop()
	}
	// Closing the listener (the server did) unlinks a socket dockercri
	// created; one systemd passed in stays, as systemd owns it.
	return nil
}
