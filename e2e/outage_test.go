package e2e

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// engineProxy stands between dockercri and dockerd on a unix socket of its
// own, so a test can take "dockerd" away and bring it back without touching
// the real daemon that other tests use.
type engineProxy struct {
	path   string
	target string

	mu    sync.Mutex
	l     net.Listener
	conns map[net.Conn]struct{}
}

func startEngineProxy(t *testing.T) *engineProxy {
	t.Helper()
	dir, err := os.MkdirTemp("", "dcri-proxy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	target := dockerEndpoint()
	if filepath.IsAbs(target) || len(target) < 8 || target[:7] != "unix://" {
		t.Skipf("engine proxy needs a unix docker endpoint, have %q", target)
	}
	p := &engineProxy{path: filepath.Join(dir, "docker.sock"), target: target[7:], conns: map[net.Conn]struct{}{}}
	p.up(t)
	t.Cleanup(p.down)
	return p
}

func (p *engineProxy) endpoint() string { return "unix://" + p.path }

// up starts accepting and forwarding connections.
func (p *engineProxy) up(t *testing.T) {
	t.Helper()
	l, err := net.Listen("unix", p.path)
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.l = l
	p.mu.Unlock()
	go p.serve(l)
}

func (p *engineProxy) serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *engineProxy) forward(c net.Conn) {
	up, err := net.Dial("unix", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// down closes the listener (removing the socket) and cuts every connection.
func (p *engineProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l != nil {
		p.l.Close()
		p.l = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

func runtimeReady(t *testing.T, d *daemon) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := d.runtime.Status(ctx, false)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	for _, c := range st.GetStatus().GetConditions() {
		if c.Type == runtimeapi.RuntimeReady {
			return c.Status
		}
	}
	t.Fatal("Status has no RuntimeReady condition")
	return false
}

// TestDockerOutage: while dockerd is unreachable calls fail with
// Unavailable and Status says RuntimeReady=false; when it is back dockercri
// recovers without a restart.
func TestDockerOutage(t *testing.T) {
	proxy := startEngineProxy(t)
	d := startDaemon(t, withFlags("--docker-endpoint", proxy.endpoint()))
	sandboxID, _ := runSandbox(t, d)
	if !runtimeReady(t, d) {
		t.Fatal("RuntimeReady=false while dockerd is up")
	}

	proxy.down()
	if runtimeReady(t, d) {
		t.Fatal("RuntimeReady=true while dockerd is unreachable")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := d.runtime.ListPodSandbox(ctx, nil)
	if got := status.Code(err); got != codes.Unavailable {
		t.Fatalf("ListPodSandbox during outage: code %v (%v), want Unavailable", got, err)
	}
	_, err = d.runtime.PodSandboxStatus(ctx, sandboxID, false)
	if got := status.Code(err); got != codes.Unavailable {
		t.Fatalf("PodSandboxStatus during outage: code %v (%v), want Unavailable", got, err)
	}
	_, err = d.runtime.Version(ctx, "")
	if got := status.Code(err); got != codes.Unavailable {
		t.Fatalf("Version during outage: code %v (%v), want Unavailable", got, err)
	}

	proxy.up(t)
	deadline := time.Now().Add(15 * time.Second)
	for !runtimeReady(t, d) {
		if time.Now().After(deadline) {
			t.Fatal("RuntimeReady did not return after dockerd came back")
		}
		time.Sleep(200 * time.Millisecond)
	}
	items, err := d.runtime.ListPodSandbox(ctx, &runtimeapi.PodSandboxFilter{Id: sandboxID})
	if err != nil {
		t.Fatalf("ListPodSandbox after recovery: %v", err)
	}
	if len(items) != 1 || items[0].State != runtimeapi.PodSandboxState_SANDBOX_READY {
		t.Fatalf("after recovery want the sandbox READY, got %v", items)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("test ran out of time")
	}
}
