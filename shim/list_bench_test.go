package shim

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
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
