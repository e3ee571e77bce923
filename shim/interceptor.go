package shim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dockercri/dockercri/metrics"
)

type logKey struct{}

// log returns the request-scoped logger (request id, method) from ctx.
func log(ctx context.Context) *logrus.Entry {
	if e, ok := ctx.Value(logKey{}).(*logrus.Entry); ok {
		return e
	}
	return logrus.NewEntry(logrus.StandardLogger())
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// noisy methods are called every second by kubelet and logged at trace.
var noisy = map[string]bool{
	"ListPodSandbox": true, "ListContainers": true, "Status": true, "Version": true,
	"ListImages": true, "ImageFsInfo": true, "PodSandboxStatus": true, "ContainerStatus": true,
	"ImageStatus": true, "ListContainerStats": true, "ListPodSandboxStats": true,
}

// untimed methods run as long as their caller allows: pulls are bounded by
// the progress deadline, stops by their grace period and ExecSync by its
// own timeout instead.
var untimed = map[string]bool{"PullImage": true, "StopContainer": true, "StopPodSandbox": true, "ExecSync": true}

// UnaryInterceptor is dockercri's one gRPC boundary: it gives each request
// an id and a logger, bounds it by requestTimeout, recovers panics into
// Internal errors, maps handler errors to gRPC codes and logs the outcome.
func UnaryInterceptor(requestTimeout time.Duration) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		method := info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]
		if _, has := ctx.Deadline(); !has && requestTimeout > 0 && !untimed[method] {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, requestTimeout)
			defer cancel()
		}
		return intercept(ctx, method, req, handler)
	}
}

func intercept(ctx context.Context, method string, req any, handler grpc.UnaryHandler) (resp any, err error) {
	entry := logrus.WithFields(logrus.Fields{"rpc": method, "req": newRequestID()})
	ctx = context.WithValue(ctx, logKey{}, entry)
	start := time.Now()
	metrics.InFlight.Inc()
	defer func() {
		metrics.InFlight.Dec()
		metrics.RPCs.WithLabelValues(method, status.Code(err).String()).Inc()
		metrics.RPCDuration.WithLabelValues(method).Observe(time.Since(start).Seconds())
	}()
	defer func() {
		if r := recover(); r != nil {
			entry.WithField("stack", string(debug.Stack())).Errorf("panic: %v", r)
			resp, err = nil, status.Error(codes.Internal, fmt.Sprintf("internal error in %s: %v", method, r))
		}
		code := status.Code(err)
		level := outcomeLevel(method, code, err)
		if !entry.Logger.IsLevelEnabled(level) {
			return // nothing to log: no fields built on the hot path
		}
		e := entry.WithFields(logrus.Fields{"code": code.String(), "took": time.Since(start).Round(time.Microsecond)})
		if err != nil {
			e = e.WithError(err)
		}
		e.Log(level, outcomeMessage(err))
	}()
	resp, err = handler(ctx, req)
	return resp, toStatus(err)
}

// outcomeLevel is the level a request's outcome is logged at: failures
// dockercri cannot explain at error, refusals at warning, the expected
// not-found and unimplemented at debug, successes at debug (trace for the
// calls kubelet makes every second).
func outcomeLevel(method string, code codes.Code, err error) logrus.Level {
	switch {
	case err != nil && (code == codes.Unknown || code == codes.Internal):
		return logrus.ErrorLevel
	case err != nil && code != codes.Unimplemented && code != codes.NotFound:
		return logrus.WarnLevel
	case err != nil:
		return logrus.DebugLevel
	case noisy[method]:
		return logrus.TraceLevel
	default:
		return logrus.DebugLevel
	}
}

func outcomeMessage(err error) string {
	if err != nil {
		return "request failed"
	}
	return "request done"
}

// StreamInterceptor does the same for streaming RPCs.
func StreamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	method := info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]
	entry := logrus.WithFields(logrus.Fields{"rpc": method, "req": newRequestID()})
	start := time.Now()
	defer func() {
		metrics.RPCs.WithLabelValues(method, status.Code(err).String()).Inc()
		metrics.RPCDuration.WithLabelValues(method).Observe(time.Since(start).Seconds())
	}()
	defer func() {
		if r := recover(); r != nil {
			entry.WithField("stack", string(debug.Stack())).Errorf("panic: %v", r)
			err = status.Error(codes.Internal, fmt.Sprintf("internal error in %s: %v", method, r))
		}
	}()
	return toStatus(handler(srv, ss))
}
