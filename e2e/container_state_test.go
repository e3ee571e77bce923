package e2e

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestStartContainerInStoppedSandbox: a state conflict is
// FailedPrecondition, not AlreadyExists.
func TestStartContainerInStoppedSandbox(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id, _ := createContainer(t, d, sb, sbCfg)
	if err := d.runtime.StopPodSandbox(testCtx(t), sb); err != nil {
		t.Fatal(err)
	}
	err := d.runtime.StartContainer(testCtx(t), id)
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("StartContainer in a stopped sandbox: %v, want FailedPrecondition", err)
	}
}
