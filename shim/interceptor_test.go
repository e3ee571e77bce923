package shim

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dockercri/dockercri/internal/errdefs"
)

func info(method string) *grpc.UnaryServerInfo {
	return &grpc.UnaryServerInfo{FullMethod: "/runtime.v1.RuntimeService/" + method}
}

func TestInterceptorRecoversPanic(t *testing.T) {
	tests := []struct {
		name  string
		panic any
	}{
		{"string", "boom"},
		{"error", errors.New("nil map")},
		{"runtime error", nil},
	}
	logrus.SetOutput(io.Discard) // the recovered stack traces are expected
	t.Cleanup(func() { logrus.SetOutput(os.Stderr) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handler := func(context.Context, any) (any, error) {
				if tt.panic == nil {
					var m map[string]int
					m["x"] = 1 // assignment to entry in nil map
				}
				panic(tt.panic)
			}
			resp, err := UnaryInterceptor(0)(context.Background(), "req", info("RunPodSandbox"), handler)
			assert.Nil(t, resp)
			st, ok := status.FromError(err)
			require.True(t, ok, "a panic becomes a gRPC status, not a crash")
			assert.Equal(t, codes.Internal, st.Code())
			assert.Contains(t, st.Message(), "RunPodSandbox")
		})
	}
}

func TestInterceptorMapsErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want codes.Code
	}{
		{"ok", nil, codes.OK},
		{"not found", errdefs.NotFound("x"), codes.NotFound},
		{"unimplemented", errdefs.Unimplemented("x"), codes.Unimplemented},
		{"plain", errors.New("x"), codes.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handler := func(context.Context, any) (any, error) {
				if tt.err != nil {
					return nil, tt.err
				}
				return "resp", nil
			}
			resp, err := UnaryInterceptor(time.Minute)(context.Background(), "req", info("ContainerStatus"), handler)
			assert.Equal(t, tt.want, status.Code(err))
			if tt.err == nil {
				assert.Equal(t, "resp", resp)
			}
		})
	}
}

func TestInterceptorDeadline(t *testing.T) {
	tests := []struct {
		name         string
		method       string
		timeout      time.Duration
		callerLimit  time.Duration
		wantDeadline bool
		wantWithin   time.Duration
	}{
		{"bounded by request timeout", "CreateContainer", time.Minute, 0, true, time.Minute},
		{"no timeout configured", "CreateContainer", 0, 0, false, 0},
		{"pull is untimed", "PullImage", time.Minute, 0, false, 0},
		{"stop is untimed", "StopContainer", time.Minute, 0, false, 0},
		{"caller's deadline wins", "CreateContainer", time.Minute, time.Hour, true, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.callerLimit > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.callerLimit)
				defer cancel()
			}
			var (
				deadline time.Time
				has      bool
			)
			handler := func(ctx context.Context, _ any) (any, error) {
				deadline, has = ctx.Deadline()
				return nil, nil
			}
			_, err := UnaryInterceptor(tt.timeout)(ctx, nil, info(tt.method), handler)
			require.NoError(t, err)
			assert.Equal(t, tt.wantDeadline, has)
			if tt.wantDeadline {
				left := time.Until(deadline)
				assert.True(t, left > tt.wantWithin-10*time.Second && left <= tt.wantWithin, "deadline in %v", left)
			}
		})
	}
}

func TestInterceptorGivesHandlerALogger(t *testing.T) {
	handler := func(ctx context.Context, _ any) (any, error) {
		e := log(ctx)
		assert.Equal(t, "Version", e.Data["rpc"])
		assert.Len(t, e.Data["req"], 16)
		return nil, nil
	}
	_, err := UnaryInterceptor(0)(context.Background(), nil, info("Version"), handler)
	require.NoError(t, err)
}

func TestInterceptorTimeoutBecomesDeadlineExceeded(t *testing.T) {
	handler := func(ctx context.Context, _ any) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	_, err := UnaryInterceptor(10*time.Millisecond)(context.Background(), nil, info("CreateContainer"), handler)
	assert.Equal(t, codes.DeadlineExceeded, status.Code(err))
}
