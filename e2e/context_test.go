package e2e

import (
	"context"
	"testing"
	"time"

	"k8s.io/klog/v2"
)

// quietCtx is a background context whose klog logger discards everything:
// cri-client logs every failed call at error level, and the tests assert on
// those errors themselves.
func quietCtx() context.Context {
	return klog.NewContext(context.Background(), klog.Logger{})
}

// testCtx returns a context for CRI and Docker calls made by the test body.
// It is cancelled when the test ends (before cleanups run).
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	return klog.NewContext(ctx, klog.Logger{})
}

// cleanupCtx returns a short context of its own for one cleanup step.
func cleanupCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(quietCtx(), 30*time.Second)
}

// eventually polls cond every 100ms until it returns true or timeout passes.
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}
