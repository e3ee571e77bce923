package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	if err := p.tryUp(); err != nil {
		t.Fatal(err)
	}
}

// tryUp is up for goroutines other than the test's.
func (p *engineProxy) tryUp() error {
	l, err := net.Listen("unix", p.path)
	if err != nil {
		return fmt.Errorf("proxy listen: %w", err)
	}
	p.mu.Lock()
	p.l = l
	p.mu.Unlock()
	go p.serve(l)
	return nil
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

// TestStartWhileDockerdUnreachable: dockercri restarted while dockerd does
// not answer finishes its start-up work as soon as dockerd does: the log
// follower of a container that kept running is resumed (lines printed
// meanwhile and after reach the CRI log, none twice), with no restart.
func TestStartWhileDockerdUnreachable(t *testing.T) {
	proxy := startEngineProxy(t)
	d1 := startDaemon(t, withFlags("--docker-endpoint", proxy.endpoint()))
	sb, sbCfg := runSandbox(t, d1)
	ctr := runContainer(t, d1, sb, sbCfg, withShell(`i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.1; done`))
	path := d1.logPath(ctr)
	lines := func() []string {
		text, _ := readCRILog(path)
		return strings.Fields(strings.ReplaceAll(text, "line ", ""))
	}
	if !eventually(10*time.Second, func() bool { return len(lines()) >= 3 }) {
		t.Fatal("no log lines from the first dockercri")
	}
	d1.stop(t)
	proxy.down()

	// The engine comes back only once the second dockercri has said it
	// runs without it (not after a fixed time: on a slow machine dockercri
	// could still be starting then).
	const waiting = "docker engine not reachable yet"
	upErr := make(chan error, 1)
	d2 := startDaemon(t, withRootDir(d1.rootDir), withFlags("--docker-endpoint", proxy.endpoint()),
		whileStarting(func(d *daemon) {
			go func() {
				said := eventually(2*time.Minute, func() bool {
					b, _ := os.ReadFile(d.stderrPath)
					return strings.Contains(string(b), waiting)
				})
				err := proxy.tryUp()
				if !said {
					err = errors.Join(fmt.Errorf("the second dockercri did not log %q while dockerd was unreachable", waiting), err)
				}
				upErr <- err
			}()
		}))
	if err := <-upErr; err != nil {
		t.Fatal(err)
	}
	registerSandboxCleanup(t, d2, sb, sbCfg)
	d2.setLogPath(ctr, path)
	before := len(lines())
	if !eventually(15*time.Second, func() bool { return len(lines()) >= before+10 }) {
		t.Fatalf("the CRI log did not grow after dockerd came back: %d lines, %d before", len(lines()), before)
	}
	for i, l := range lines() {
		if l != strconv.Itoa(i+1) {
			t.Fatalf("log line %d is %q: lines lost or repeated", i+1, l)
		}
	}
}
