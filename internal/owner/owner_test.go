package owner

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStopCancelsAndWaits(t *testing.T) {
	g := New(context.Background())
	var done atomic.Int32
	for range 3 {
		assert.True(t, g.Go(func(ctx context.Context) {
			<-ctx.Done()
			time.Sleep(10 * time.Millisecond)
			done.Add(1)
		}))
	}
	g.Stop()
	assert.Equal(t, int32(3), done.Load(), "Stop returns after every goroutine did")
	assert.False(t, g.Go(func(context.Context) { t.Error("ran after Stop") }))
	g.Stop() // twice is fine
}

func TestGoFromAGoroutineOfTheGroup(t *testing.T) {
	g := New(context.Background())
	inner := make(chan struct{})
	g.Go(func(ctx context.Context) {
		g.Go(func(context.Context) { close(inner) })
	})
	<-inner
	g.Stop()
}
