package shim

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// benchEnv is a service on the fake engine with n running pods of one
// container each, its index synced.
func benchEnv(b *testing.B, n int) *testEnv {
	b.Helper()
	env := newTestEnv(b)
	ctx := context.Background()
	for i := range n {
		cfg := env.sandboxConfig(withPodName(fmt.Sprintf("pod-%d", i)))
		resp, err := env.svc.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: cfg})
		if err != nil {
			b.Fatal(err)
		}
		c, err := env.svc.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: resp.PodSandboxId, Config: containerConfig(), SandboxConfig: cfg})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := env.svc.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId}); err != nil {
			b.Fatal(err)
		}
	}
	for !env.svc.containers.Synced() {
		runtime.Gosched()
	}
	return env
}

func BenchmarkListContainers100(b *testing.B) {
	env := benchEnv(b, 100)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := env.svc.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
		if err != nil || len(resp.Containers) != 100 {
			b.Fatal(err, len(resp.GetContainers()))
		}
	}
}

func BenchmarkListPodSandbox100(b *testing.B) {
	env := benchEnv(b, 100)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := env.svc.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
		if err != nil || len(resp.Items) != 100 {
			b.Fatal(err, len(resp.GetItems()))
		}
	}
}

// BenchmarkListContainers100GRPC measures the same call through the gRPC
// server and a client on a unix socket: what kubelet pays.
func BenchmarkListContainers100GRPC(b *testing.B) {
	env := benchEnv(b, 100)
	sock := filepath.Join(b.TempDir(), "cri.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	srv := NewGRPCServer(env.svc, time.Minute)
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	client := runtimeapi.NewRuntimeServiceClient(conn)
	ctx := context.Background()
	resp, err := client.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(proto.Size(resp)), "resp-bytes")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.ListContainers(ctx, &runtimeapi.ListContainersRequest{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPodLifecycle is dockercri's own work for one pod lifecycle (the
// 7 calls of `make bench`'s lifecycle) on the fake engine: no Docker HTTP
// or JSON, no gRPC. What it costs is what dockercri adds to the duty floor
// besides those (issue #17's CPU budget).
func BenchmarkPodLifecycle(b *testing.B) {
	env := newTestEnv(b)
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := processCPU(b)
	i := 0
	defer func() { b.ReportMetric(float64(processCPU(b)-cpu0)/float64(i), "cpu-ns/op") }()
	for b.Loop() {
		i++
		cfg := env.sandboxConfig(withPodName(fmt.Sprintf("pod-%d", i)))
		sb, err := env.svc.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: cfg})
		if err != nil {
			b.Fatal(err)
		}
		c, err := env.svc.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.PodSandboxId, Config: containerConfig(), SandboxConfig: cfg})
		if err != nil {
			b.Fatal(err)
		}
		steps := []func() error{
			func() error {
				_, err := env.svc.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId})
				return err
			},
			func() error {
				_, err := env.svc.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: c.ContainerId})
				return err
			},
			func() error {
				_, err := env.svc.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: c.ContainerId})
				return err
			},
			func() error {
				_, err := env.svc.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.PodSandboxId})
				return err
			},
			func() error {
				_, err := env.svc.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.PodSandboxId})
				return err
			},
		}
		for _, step := range steps {
			if err := step(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// processCPU is the process's user+system CPU time so far, in ns: the
// background goroutines' work (log followers, the event loop) counts too.
func processCPU(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
