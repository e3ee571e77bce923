package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"google.golang.org/grpc"
)

// socketPath extracts the path of a unix:// endpoint.
func socketPath(endpoint string) (string, error) {
	path, ok := strings.CutPrefix(endpoint, "unix://")
	if !ok || path == "" || !filepath.IsAbs(path) {
		return "", fmt.Errorf("endpoint %q must be unix:///absolute/path", endpoint)
	}
	return path, nil
}

// listen creates the CRI socket with mode 0660, replacing a stale socket
// file left by a previous run. A socket that still answers is not replaced.
func listen(endpoint string) (net.Listener, error) {
	path, err := socketPath(endpoint)
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

// serve serves until ctx is cancelled, then lets in-flight calls finish
// (for at most grace).
func serve(ctx context.Context, srv *grpc.Server, l net.Listener, grace time.Duration) error {
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
