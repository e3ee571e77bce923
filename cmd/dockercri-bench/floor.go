package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// The floor: what serving CRI over gRPC costs on this host with nothing
// behind it. A second process (this binary with --serve-canned DIR) answers
// from memory: ListPodSandbox and ListContainers with the very responses
// dockercri gave for the M steady pods (captured once, so the bytes on the
// wire are the same), the 7 lifecycle calls with empty answers. Its
// latencies bound what any CRI runtime that answers a List from memory can
// reach here (gRPC, the unix socket, the scheduler of this machine), and its
// CPU per 100 pod lifecycles, added to the bare Docker client's, is the
// floor for any CRI-over-Docker adapter.

const (
	sideFloor        = "floor"
	cannedSandboxes  = "sandboxes.pb"
	cannedContainers = "containers.pb"
	cannedSocket     = "floor.sock"
	// cannedID is the id every canned create returns.
	cannedID = "f100f100f100f100f100f100f100f100f100f100f100f100f100f100f100f100"
)

// floorResult is the canned server's cost.
type floorResult struct {
	Pods        int `json:"pods"`
	Concurrency int `json:"concurrency"`
	// GRPCCPUPer100 is the canned server's CPU for the 7 lifecycle calls
	// of 100 pods.
	GRPCCPUPer100 float64 `json:"grpc_server_cpu_s_per_100_pods"`
	// AdapterFloorPer100 adds the bare Docker client's CPU of the
	// lifecycle scenario: the least any adapter can spend.
	AdapterFloorPer100 float64 `json:"adapter_floor_cpu_s_per_100_pods,omitempty"`
	// AdapterDutyFloorPer100 adds the duty side's client CPU instead: the
	// least an adapter that also keeps CRI logs, an event-fed index and
	// checkpoints spends (duty.go).
	AdapterDutyFloorPer100 float64 `json:"adapter_duty_floor_cpu_s_per_100_pods,omitempty"`
}

// cannedRuntime serves canned answers; unlisted calls are Unimplemented.
type cannedRuntime struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	sandboxes  *runtimeapi.ListPodSandboxResponse
	containers *runtimeapi.ListContainersResponse
}

func (c *cannedRuntime) Version(context.Context, *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	return &runtimeapi.VersionResponse{Version: "0.1.0", RuntimeName: "canned", RuntimeApiVersion: "v1"}, nil
}

func (c *cannedRuntime) ListPodSandbox(context.Context, *runtimeapi.ListPodSandboxRequest) (*runtimeapi.ListPodSandboxResponse, error) {
	return c.sandboxes, nil
}

func (c *cannedRuntime) ListContainers(context.Context, *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	return c.containers, nil
}

func (c *cannedRuntime) RunPodSandbox(context.Context, *runtimeapi.RunPodSandboxRequest) (*runtimeapi.RunPodSandboxResponse, error) {
	return &runtimeapi.RunPodSandboxResponse{PodSandboxId: cannedID}, nil
}

func (c *cannedRuntime) CreateContainer(context.Context, *runtimeapi.CreateContainerRequest) (*runtimeapi.CreateContainerResponse, error) {
	return &runtimeapi.CreateContainerResponse{ContainerId: cannedID}, nil
}

func (c *cannedRuntime) StartContainer(context.Context, *runtimeapi.StartContainerRequest) (*runtimeapi.StartContainerResponse, error) {
	return &runtimeapi.StartContainerResponse{}, nil
}

func (c *cannedRuntime) StopContainer(context.Context, *runtimeapi.StopContainerRequest) (*runtimeapi.StopContainerResponse, error) {
	return &runtimeapi.StopContainerResponse{}, nil
}

func (c *cannedRuntime) RemoveContainer(context.Context, *runtimeapi.RemoveContainerRequest) (*runtimeapi.RemoveContainerResponse, error) {
	return &runtimeapi.RemoveContainerResponse{}, nil
}

func (c *cannedRuntime) StopPodSandbox(context.Context, *runtimeapi.StopPodSandboxRequest) (*runtimeapi.StopPodSandboxResponse, error) {
	return &runtimeapi.StopPodSandboxResponse{}, nil
}

func (c *cannedRuntime) RemovePodSandbox(context.Context, *runtimeapi.RemovePodSandboxRequest) (*runtimeapi.RemovePodSandboxResponse, error) {
	return &runtimeapi.RemovePodSandboxResponse{}, nil
}

// loadCanned reads the canned List answers written by writeCanned.
func loadCanned(dir string) (*cannedRuntime, error) {
	c := &cannedRuntime{sandboxes: &runtimeapi.ListPodSandboxResponse{}, containers: &runtimeapi.ListContainersResponse{}}
	for name, m := range map[string]proto.Message{cannedSandboxes: c.sandboxes, cannedContainers: c.containers} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if err := proto.Unmarshal(data, m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return c, nil
}

// writeCanned stores the answers the canned server will give.
func writeCanned(dir string, sandboxes *runtimeapi.ListPodSandboxResponse, containers *runtimeapi.ListContainersResponse) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for name, m := range map[string]proto.Message{cannedSandboxes: sandboxes, cannedContainers: containers} {
		data, err := proto.Marshal(m)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// serveCanned is the --serve-canned mode: serve DIR/floor.sock with the
// answers in DIR until SIGTERM or SIGINT.
func serveCanned(dir string) error {
	svc, err := loadCanned(dir)
	if err != nil {
		return err
	}
	l, err := net.Listen("unix", filepath.Join(dir, cannedSocket))
	if err != nil {
		return err
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(maxMsgSize), grpc.MaxSendMsgSize(maxMsgSize))
	runtimeapi.RegisterRuntimeServiceServer(srv, svc)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		srv.Stop()
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

// floorServer is a running canned server and a client of it.
type floorServer struct {
	proc *daemonProc
	conn *grpc.ClientConn
	rt   runtimeapi.RuntimeServiceClient
}

// startFloor captures dockercri's unfiltered List answers (the steady
// pods are running) and starts the canned server with them.
func (b *bench) startFloor(ctx context.Context) (*floorServer, error) {
	sandboxes, err := b.rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return nil, err
	}
	containers, err := b.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(b.tmp, "floor")
	if err := writeCanned(dir, sandboxes, containers); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	proc, err := startProc("canned gRPC server", self, []string{"--serve-canned", dir}, filepath.Join(dir, "log"))
	if err != nil {
		return nil, err
	}
	conn, err := dialCRI(ctx, "unix://"+filepath.Join(dir, cannedSocket), proc.exited)
	if err != nil {
		return nil, errors.Join(err, proc.stop())
	}
	return &floorServer{proc: proc, conn: conn, rt: runtimeapi.NewRuntimeServiceClient(conn)}, nil
}

func (f *floorServer) close() error {
	f.conn.Close()
	return f.proc.stop()
}

// floorLifecycle sends the 7 lifecycle calls of N pods at concurrency C
// to the canned server (the requests dockercri gets) and measures its CPU.
func (b *bench) floorLifecycle(ctx context.Context, f *floorServer) error {
	n, c := b.o.pods, b.o.concurrency
	if n == 0 {
		return nil
	}
	via := criPath{side: sideFloor, rt: f.rt}
	cpu := &cpuMeter{pid: f.proc.pid()}
	cpu.start()
	err := runPool(ctx, c, n, func(int) error {
		return b.lifecycleVia(ctx, via, "", b.newPod(sideFloor))
	})
	cpu.stop()
	if err != nil {
		return fmt.Errorf("canned server: %w", err)
	}
	res := &floorResult{Pods: n, Concurrency: c, GRPCCPUPer100: round3(cpu.total * 100 / float64(n))}
	if l := b.res.Lifecycle; l != nil {
		res.AdapterFloorPer100 = round3(res.GRPCCPUPer100 + l.RawClientCPUPer100)
		res.AdapterDutyFloorPer100 = round3(res.GRPCCPUPer100 + l.DutyClientCPUPer100)
	}
	b.res.Floor = res
	return nil
}
