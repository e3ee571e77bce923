package main

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// The canned server answers with exactly the Lists it was given, and
// Unimplemented for what it was not built to answer.
func TestCannedServerAnswersWhatWasCaptured(t *testing.T) {
	dir := t.TempDir()
	sandboxes := &runtimeapi.ListPodSandboxResponse{Items: []*runtimeapi.PodSandbox{
		{Id: "s1", Metadata: &runtimeapi.PodSandboxMetadata{Name: "a", Uid: "u1"}, State: runtimeapi.PodSandboxState_SANDBOX_READY},
		{Id: "s2", Labels: map[string]string{"k": "v"}},
	}}
	containers := &runtimeapi.ListContainersResponse{Containers: []*runtimeapi.Container{
		{Id: "c1", PodSandboxId: "s1", State: runtimeapi.ContainerState_CONTAINER_RUNNING},
	}}
	require.NoError(t, writeCanned(dir, sandboxes, containers))
	svc, err := loadCanned(dir)
	require.NoError(t, err)

	l, err := net.Listen("unix", filepath.Join(dir, cannedSocket))
	require.NoError(t, err)
	srv := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(srv, svc)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("unix://"+filepath.Join(dir, cannedSocket), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	rt := runtimeapi.NewRuntimeServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	gotS, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	require.NoError(t, err)
	assert.True(t, proto.Equal(sandboxes, gotS), "ListPodSandbox: %v", gotS)
	gotC, err := rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	require.NoError(t, err)
	assert.True(t, proto.Equal(containers, gotC), "ListContainers: %v", gotC)
	run, err := rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{})
	require.NoError(t, err)
	assert.Equal(t, cannedID, run.PodSandboxId)
	_, err = rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: "c1"})
	assert.Equal(t, codes.Unimplemented, status.Code(err))
}

func TestLoadCannedMissingFile(t *testing.T) {
	_, err := loadCanned(t.TempDir())
	assert.Error(t, err)
}

// Every side of a call goes first once per rotation.
func TestPairCallSidesRotate(t *testing.T) {
	noop := func(context.Context, int) error { return nil }
	c := pairCall{cri: noop, raw: noop, floor: noop}
	order := c.sides()
	require.Len(t, order, 3)
	first := map[string]bool{}
	for k := 0; k < 3; k++ {
		first[order[k%len(order)].side] = true
	}
	assert.Len(t, first, 3)
	assert.Len(t, pairCall{cri: noop, raw: noop}.sides(), 2)
}

func TestFloorRatiosInRows(t *testing.T) {
	r := newRecorder()
	for i := 0; i < 10; i++ {
		r.add("steady", "ListPodSandbox", sideCRI, 2*time.Millisecond)
		r.add("steady", "ListPodSandbox", sideRaw, 4*time.Millisecond)
		r.add("steady", "ListPodSandbox", sideFloor, time.Millisecond)
	}
	rows := r.rows()
	require.Len(t, rows, 1)
	require.NotNil(t, rows[0].Floor)
	assert.InDelta(t, 2.0, *rows[0].FloorRatioP50, 1e-9)
	assert.InDelta(t, 0.5, *rows[0].RatioP50, 1e-9)
}
