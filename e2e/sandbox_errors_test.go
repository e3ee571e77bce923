package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// unknownID looks like a docker id but names nothing.
const unknownID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestStopRemoveUnknownSandboxSucceed(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	assert.NoError(t, d.runtime.StopPodSandbox(ctx, unknownID), "StopPodSandbox of unknown id must be idempotent")
	assert.NoError(t, d.runtime.RemovePodSandbox(ctx, unknownID), "RemovePodSandbox of unknown id must be idempotent")
}

func TestPodSandboxStatusUnknownIsNotFound(t *testing.T) {
	d := startDaemon(t)
	_, err := d.runtime.PodSandboxStatus(testCtx(t), unknownID, false)
	assert.Equal(t, codes.NotFound, status.Code(err), "err: %v", err)
}

func TestRunPodSandboxTwiceIsAlreadyExists(t *testing.T) {
	d := startDaemon(t)
	first, cfg := runSandbox(t, d)

	again := proto.Clone(cfg).(*runtimeapi.PodSandboxConfig)
	_, err := tryRunSandbox(t, d, again)
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "second RunPodSandbox with the same metadata: %v", err)

	st := sandboxStatus(t, d, first)
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_READY, st.GetState(), "first sandbox must survive the failed duplicate")
}

func TestRunPodSandboxWithoutMetadataIsInvalidArgument(t *testing.T) {
	d := startDaemon(t)
	cfg := newSandboxConfig(t)
	cfg.Metadata = nil
	_, err := tryRunSandbox(t, d, cfg)
	require.Error(t, err)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "err: %v", err)
}
