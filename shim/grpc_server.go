package shim

import (
	"runtime"
	"time"

	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// maxMsgSize matches kubelet's CRI client limit.
const maxMsgSize = 16 * 1024 * 1024

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
