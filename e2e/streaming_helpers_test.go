package e2e

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/streaming/pkg/httpstream"
)

// kubeletMaxMsgSize is the receive limit of kubelet's CRI client.
const kubeletMaxMsgSize = 16 << 20

// streamCRI is a raw CRI client on d's socket with kubelet's receive limit.
// Unlike cri-client it keeps the gRPC status of errors (cri-client turns an
// ExecSync DeadlineExceeded into a plain error).
func streamCRI(t testing.TB, d *daemon) runtimeapi.RuntimeServiceClient {
	t.Helper()
	conn, err := grpc.NewClient("unix://"+d.socketPath,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(kubeletMaxMsgSize)))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return runtimeapi.NewRuntimeServiceClient(conn)
}

// withStreamStdin makes the container's main process keep stdin open
// (stdin_once false), with or without a TTY, as `kubectl run -i [-t]` does.
func withStreamStdin(tty bool) containerOpt {
	return func(c *runtimeapi.ContainerConfig) { c.Stdin, c.Tty = true, tty }
}

// streamPod runs a sandbox with one long-running busybox container and
// returns the sandbox id, its config and the container id.
func streamPod(t testing.TB, d *daemon, opts ...containerOpt) (string, *runtimeapi.PodSandboxConfig, string) {
	t.Helper()
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, opts...)
	waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_RUNNING, 30*time.Second)
	return sb, sbCfg, id
}

// executorKind names a client-go remotecommand executor.
type executorKind string

const (
	// execSPDY is remotecommand.NewSPDYExecutor (v4…v1.channel.k8s.io).
	execSPDY executorKind = "spdy"
	// execWS is the websocket executor offering v4.channel.k8s.io, the
	// newest websocket protocol the cri-streaming server speaks.
	execWS executorKind = "websocket-v4"
	// execWSv5 is remotecommand.NewWebSocketExecutor as is: it offers
	// v5.channel.k8s.io only.
	execWSv5 executorKind = "websocket-v5"
	// execFallback is what kubectl builds: websocket (v5 only), falling
	// back to SPDY when the upgrade fails.
	execFallback executorKind = "fallback"
)

// newExecutor builds a client-go executor of kind for a streaming URL.
func newExecutor(t testing.TB, kind executorKind, rawURL string) remotecommand.Executor {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	cfg := &rest.Config{Host: u.Scheme + "://" + u.Host}
	spdy := func() remotecommand.Executor {
		e, err := remotecommand.NewSPDYExecutor(cfg, "POST", u)
		require.NoError(t, err)
		return e
	}
	switch kind {
	case execSPDY:
		return spdy()
	case execWS:
		e, err := remotecommand.NewWebSocketExecutorForProtocols(cfg, "GET", rawURL, "v4.channel.k8s.io")
		require.NoError(t, err)
		return e
	case execWSv5:
		e, err := remotecommand.NewWebSocketExecutor(cfg, "GET", rawURL)
		require.NoError(t, err)
		return e
	case execFallback:
		ws, err := remotecommand.NewWebSocketExecutor(cfg, "GET", rawURL)
		require.NoError(t, err)
		e, err := remotecommand.NewFallbackExecutor(ws, spdy(), func(err error) bool {
			return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
		})
		require.NoError(t, err)
		return e
	}
	t.Fatalf("unknown executor kind %q", kind)
	return nil
}

// execURL asks the daemon for an exec session URL.
func execURL(ctx context.Context, c runtimeapi.RuntimeServiceClient, req *runtimeapi.ExecRequest) (string, error) {
	resp, err := c.Exec(ctx, req)
	if err != nil {
		return "", err
	}
	return resp.GetUrl(), nil
}

// syncBuffer is a bytes.Buffer safe for a writer and a concurrent reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls buf until it contains want or timeout passes.
func (s *syncBuffer) waitFor(want string, timeout time.Duration) bool {
	return eventually(timeout, func() bool { return strings.Contains(s.String(), want) })
}

// sizeQueue is a TerminalSizeQueue that hands out the sizes sent on ch and
// ends (nil) when ctx is done.
type sizeQueue struct {
	ctx context.Context
	ch  chan remotecommand.TerminalSize
}

func (q *sizeQueue) Next() *remotecommand.TerminalSize {
	select {
	case s := <-q.ch:
		return &s
	case <-q.ctx.Done():
		return nil
	}
}

// streamResult is the outcome of one exec or attach session.
type streamResult struct {
	stdout, stderr string
	err            error
}

// runStream runs a session on an executor with a deadline, so a hung
// session fails the test instead of the whole run. Stdout (and stderr when
// withStderr) are collected unless opts already has writers; the streams
// asked for must match the CRI request, as they do for kubelet.
func runStream(ctx context.Context, e remotecommand.Executor, opts remotecommand.StreamOptions, withStderr bool, timeout time.Duration) streamResult {
	var stdout, stderr syncBuffer
	if opts.Stdout == nil {
		opts.Stdout = &stdout
	}
	if opts.Stderr == nil && withStderr {
		opts.Stderr = &stderr
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := e.StreamWithContext(ctx, opts)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = errors.Join(err, errors.New("session did not end within "+timeout.String()))
	}
	return streamResult{stdout: stdout.String(), stderr: stderr.String(), err: err}
}
