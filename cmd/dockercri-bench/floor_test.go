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

// alternate runs every side of a call once per iteration, and which side
// goes first rotates: over 3 iterations each of the 3 sides leads once.
// A call without a floor keeps alternating between its two sides.
func TestAlternateRotatesSides(t *testing.T) {
	b := &bench{o: &options{}, rec: newRecorder()}
	var ran []string
	side := func(name string) func(context.Context, int) error {
		return func(context.Context, int) error { ran = append(ran, name); return nil }
	}
	three := pairCall{name: "three", iterations: 3, cri: side(sideCRI), raw: side(sideRaw), floor: side(sideFloor)}
	require.NoError(t, b.alternate(context.Background(), "test", []pairCall{three}))
	require.Len(t, ran, 9)
	leaders := map[string]bool{}
	for k := 0; k < 3; k++ {
		iter := ran[3*k : 3*k+3]
		assert.ElementsMatch(t, []string{sideCRI, sideRaw, sideFloor}, iter, "iteration %d runs every side once", k)
		leaders[iter[0]] = true
	}
	assert.Len(t, leaders, 3, "each side leads once: %v", ran)

	ran = nil
	two := pairCall{name: "two", iterations: 2, cri: side(sideCRI), raw: side(sideRaw)}
	require.NoError(t, b.alternate(context.Background(), "test", []pairCall{two}))
	assert.Equal(t, []string{sideCRI, sideRaw, sideRaw, sideCRI}, ran)
	rows := b.rec.rows()
	require.Len(t, rows, 2)
	assert.Equal(t, 3, rows[0].Floor.N, "floor samples recorded")
	assert.Nil(t, rows[1].Floor)
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
