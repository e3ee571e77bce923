package shim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

func TestCodeOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want codes.Code
	}{
		{"nil", nil, codes.OK},
		{"invalid argument", errdefs.InvalidArgument("bad"), codes.InvalidArgument},
		{"not found", errdefs.NotFound("gone"), codes.NotFound},
		{"already exists", errdefs.AlreadyExists("dup"), codes.AlreadyExists},
		{"failed precondition", errdefs.FailedPrecondition("state"), codes.FailedPrecondition},
		{"unimplemented", errdefs.Unimplemented("no"), codes.Unimplemented},
		{"unavailable", errdefs.Wrap(errdefs.ErrUnavailable, errors.New("dial")), codes.Unavailable},
		{"permission denied", errdefs.Wrap(errdefs.ErrPermissionDenied, errors.New("401")), codes.PermissionDenied},
		{"deadline class", errdefs.Wrap(errdefs.ErrDeadlineExceeded, errors.New("slow")), codes.DeadlineExceeded},
		{"context deadline", context.DeadlineExceeded, codes.DeadlineExceeded},
		{"wrapped context deadline", fmt.Errorf("inspect: %w", context.DeadlineExceeded), codes.DeadlineExceeded},
		{"context canceled", fmt.Errorf("inspect: %w", context.Canceled), codes.Canceled},
		{"wrapped once", fmt.Errorf("create: %w", errdefs.NotFound("image")), codes.NotFound},
		{"wrapped twice", fmt.Errorf("run: %w", fmt.Errorf("create: %w", errdefs.AlreadyExists("name"))), codes.AlreadyExists},
		{"plain", errors.New("boom"), codes.Unknown},
		{"plain wrapped", fmt.Errorf("x: %w", errors.New("boom")), codes.Unknown},
		{"grpc status kept", status.Error(codes.ResourceExhausted, "full"), codes.ResourceExhausted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, codeOf(tt.err))
		})
	}
}

// A handler re-classifies a lower layer's error with errdefs.Wrap (Docker's
// 409 "image in use" becomes FailedPrecondition in RemoveImage; a stalled
// pull's FailedPrecondition becomes DeadlineExceeded in pull): the outermost
// class is the one that must reach the caller.
func TestCodeOfOutermostClassWins(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want codes.Code
	}{
		{"failed precondition over already exists", errdefs.Wrap(errdefs.ErrFailedPrecondition, errdefs.AlreadyExists("in use")), codes.FailedPrecondition},
		{"deadline over failed precondition", errdefs.Wrap(errdefs.ErrDeadlineExceeded, errdefs.FailedPrecondition("stalled")), codes.DeadlineExceeded},
		{"unavailable over not found", errdefs.Wrap(errdefs.ErrUnavailable, errdefs.NotFound("x")), codes.Unavailable},
		{"wrapped with %w on top", fmt.Errorf("remove: %w", errdefs.Wrap(errdefs.ErrFailedPrecondition, errdefs.AlreadyExists("in use"))), codes.FailedPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, codeOf(tt.err))
		})
	}
}

func TestToStatus(t *testing.T) {
	assert.NoError(t, toStatus(nil))

	err := toStatus(fmt.Errorf("create container x: %w", errdefs.NotFound("No such image: busybox")))
	st, ok := status.FromError(err)
	require.True(t, ok)
	assert.Equal(t, codes.NotFound, st.Code())
	assert.Equal(t, "create container x: No such image: busybox", st.Message(), "the message carries no class prefix")

	orig := status.Error(codes.Aborted, "kept")
	assert.Equal(t, orig, toStatus(orig), "a status error passes unchanged")

	st, _ = status.FromError(toStatus(errors.New("boom")))
	assert.Equal(t, codes.Unknown, st.Code())
	assert.Equal(t, "boom", st.Message())
}

func TestFitOutput(t *testing.T) {
	mk := func(n int) []byte { return make([]byte, n) }
	cases := []struct {
		name             string
		out, err, budget int
		wantOut, wantErr int
	}{
		{"fits", 10, 10, 100, 10, 10},
		{"stdout large", 200, 10, 100, 90, 10},
		{"stderr large", 10, 200, 100, 10, 90},
		{"both large", 200, 200, 100, 50, 50},
		{"odd budget", 200, 200, 101, 50, 51},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, e := fitOutput(mk(c.out), mk(c.err), c.budget)
			if len(o) != c.wantOut || len(e) != c.wantErr {
				t.Fatalf("got %d/%d, want %d/%d", len(o), len(e), c.wantOut, c.wantErr)
			}
		})
	}
}

func TestSendChunksEachItemOnce(t *testing.T) {
	for _, n := range []int{0, 1, streamChunk - 1, streamChunk, streamChunk + 1, 3*streamChunk + 7} {
		items := make([]int, n)
		for i := range items {
			items[i] = i
		}
		var got []int
		sends := 0
		err := sendChunks(items, func(c []int) *[]int { return &c }, func(r *[]int) error {
			sends++
			if len(*r) == 0 || len(*r) > streamChunk {
				t.Fatalf("chunk of %d items", len(*r))
			}
			got = append(got, *r...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n || sends != (n+streamChunk-1)/streamChunk {
			t.Fatalf("n=%d: got %d items in %d sends", n, len(got), sends)
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("n=%d: item %d is %d", n, i, v)
			}
		}
	}
}

// TestRPCCodesOfHostConditions: conditions of the host or of the daemon's
// own set-up reach kubelet with the code that says what they are (issue
// #17's misclassified cases), through the real boundary mapping.
func TestRPCCodesOfHostConditions(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	sbCfg := env.sandboxConfig()
	sb := env.runSandbox(t, sbCfg)
	ctr := env.createContainer(t, sb, sbCfg, containerConfig())

	// A log directory whose parent is a regular file: a bad path.
	notDir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o644))
	badLogCfg := env.sandboxConfig()
	badLogCfg.LogDirectory = filepath.Join(notDir, "pods")

	tests := []struct {
		name string
		call func() error
		want codes.Code
	}{
		{"log directory under a file", func() error {
			_, err := env.svc.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb, Config: containerConfig(withContainerName("logs")), SandboxConfig: badLogCfg})
			return err
		}, codes.InvalidArgument},
		{"exec without a streaming server", func() error {
			_, err := env.svc.Exec(ctx, &runtimeapi.ExecRequest{ContainerId: ctr, Cmd: []string{"sh"}, Stdout: true})
			return err
		}, codes.Unavailable},
		{"attach without a streaming server", func() error {
			_, err := env.svc.Attach(ctx, &runtimeapi.AttachRequest{ContainerId: ctr, Stdout: true})
			return err
		}, codes.Unavailable},
		{"port-forward without a streaming server", func() error {
			_, err := env.svc.PortForward(ctx, &runtimeapi.PortForwardRequest{PodSandboxId: sb, Port: []int32{80}})
			return err
		}, codes.Unavailable},
		{"unimplemented stays exactly Unimplemented", func() error {
			_, err := env.svc.CheckpointContainer(ctx, &runtimeapi.CheckpointContainerRequest{ContainerId: ctr})
			return err
		}, codes.Unimplemented},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			assert.Equal(t, tt.want, codeOf(err), "%v", err)
		})
	}
}
