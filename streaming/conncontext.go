package streaming

import (
	"context"
	"errors"
	"net"
	"sync"
)

// A hijacked (upgraded) connection does not cancel its request's context
// when the client goes away. These wrappers give every connection a context
// that ends when the connection fails or closes, so a session whose client
// left stops and releases its Docker stream.

// trackedListener wraps accepted connections in trackedConn.
type trackedListener struct{ net.Listener }

func (l trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &trackedConn{Conn: c, ctx: ctx, cancel: cancel}, nil
}

type trackedConn struct {
	net.Conn
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && !isTimeout(err) {
		c.once.Do(c.cancel)
	}
	return n, err
}

// isTimeout: net/http interrupts its own background read with a deadline
// when a handler hijacks the connection; that is no sign of the client.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *trackedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil && !isTimeout(err) {
		c.once.Do(c.cancel)
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.once.Do(c.cancel)
	return c.Conn.Close()
}

// connContext makes a request's context end with its connection.
func connContext(ctx context.Context, c net.Conn) context.Context {
	tc, ok := c.(*trackedConn)
	if !ok {
		return ctx
	}
	ctx, cancel := context.WithCancel(ctx)
	context.AfterFunc(tc.ctx, cancel)
	return ctx
}
