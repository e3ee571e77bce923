package streaming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// PortForward connects stream to port on the pod's loopback (IPv4, then
// IPv6), dialled from dockercri itself inside the pod's network namespace.
func (r *Runtime) PortForward(ctx context.Context, sandboxID string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	defer session("portforward")()
	if port <= 0 || port > 65535 {
		return errdefs.InvalidArgument("port %d is out of range", port)
	}
	in, err := r.engine.InspectContainer(ctx, sandboxID)
	if err != nil {
		return err
	}
	if in.State == nil || !in.State.Running || in.State.Pid == 0 {
		return errdefs.FailedPrecondition("pod sandbox %s is not running", sandboxID)
	}
	var conn net.Conn
	if in.HostConfig != nil && in.HostConfig.NetworkMode.IsHost() {
		conn, err = dialLoopback(ctx, port)
	} else {
		conn, err = dialInNetns(ctx, in.State.Pid, port)
	}
	if err != nil {
		return fmt.Errorf("port-forward to port %d in pod sandbox %s: %w", port, sandboxID, err)
	}
	defer conn.Close()
	return splice(ctx, conn, stream)
}

// dialLoopback dials localhost:port over IPv4, then IPv6.
func dialLoopback(ctx context.Context, port int32) (net.Conn, error) {
	var d net.Dialer
	p := strconv.Itoa(int(port))
	c, err4 := d.DialContext(ctx, "tcp4", net.JoinHostPort("127.0.0.1", p))
	if err4 == nil {
		return c, nil
	}
	c, err6 := d.DialContext(ctx, "tcp6", net.JoinHostPort("::1", p))
	if err6 == nil {
		return c, nil
	}
	return nil, errors.Join(err4, err6)
}

// dialInNetns dials the pod's loopback from a thread that joined the
// network namespace of process pid. The thread stays locked and is thrown
// away when the goroutine ends, so no other goroutine ever runs in the
// pod's namespace; the socket keeps the namespace it was created in.
func dialInNetns(ctx context.Context, pid int, port int32) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with us
		ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err != nil {
			ch <- result{err: fmt.Errorf("opening network namespace: %w", err)}
			return
		}
		defer ns.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("entering network namespace: %w", err)}
			return
		}
		c, err := dialLoopback(ctx, port)
		ch <- result{conn: c, err: err}
	}()
	r := <-ch
	return r.conn, r.err
}

// splice copies both ways until one side ends, then closes both.
func splice(ctx context.Context, conn net.Conn, stream io.ReadWriteCloser) error {
	stop := context.AfterFunc(ctx, func() { conn.Close(); stream.Close() })
	defer stop()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(stream, conn)
		stream.Close()
	}()
	_, err := io.Copy(conn, stream)
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) && ctx.Err() == nil {
		return err
	}
	return nil
}
