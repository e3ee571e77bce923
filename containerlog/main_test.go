package containerlog

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a follower goroutine outlives its
// tests: Manager.Close waits for every follower.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
