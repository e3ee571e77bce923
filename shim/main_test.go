package shim

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives its tests: every
// goroutine of the service has an owner that waits for it on Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
