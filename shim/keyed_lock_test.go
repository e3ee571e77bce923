package shim

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestKeyedLockOrders(t *testing.T) {
	k := newKeyedLock()
	ctx := context.Background()

	r1, err := k.shared(ctx, "a")
	require.NoError(t, err)
	r2, err := k.shared(ctx, "a")
	require.NoError(t, err, "shared holders share")
	other, err := k.exclusive(ctx, "b")
	require.NoError(t, err, "another key is independent")
	other()

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = k.exclusive(short, "a")
	assert.ErrorIs(t, err, context.DeadlineExceeded, "exclusive waits for the shared holders")

	got := make(chan func())
	go func() {
		w, err := k.exclusive(ctx, "a")
		assert.NoError(t, err)
		got <- w
	}()
	r1()
	r2()
	w := <-got
	short2, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel2()
	_, err = k.shared(short2, "a")
	assert.ErrorIs(t, err, context.DeadlineExceeded, "shared waits for the exclusive holder")
	w()
	r, err := k.shared(ctx, "a")
	require.NoError(t, err)
	r()
	assert.Empty(t, k.locks, "unused keys are dropped")
}

// TestKeyedLockExclusiveHoldersDoNotDeadlock: many exclusive and shared
// takers of one key all get through, one exclusive holder at a time.
func TestKeyedLockExclusiveHoldersDoNotDeadlock(t *testing.T) {
	k := newKeyedLock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var inside, writers atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			if i%4 == 0 {
				release, err := k.exclusive(ctx, "a")
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, int32(1), writers.Add(1))
				assert.Equal(t, int32(0), inside.Load(), "no shared holder beside an exclusive one")
				time.Sleep(time.Millisecond)
				writers.Add(-1)
				release()
				return
			}
			release, err := k.shared(ctx, "a")
			if !assert.NoError(t, err) {
				return
			}
			inside.Add(1)
			assert.Equal(t, int32(0), writers.Load())
			time.Sleep(time.Millisecond)
			inside.Add(-1)
			release()
		})
	}
	wg.Wait()
	assert.Empty(t, k.locks)
}

// TestStartContainerWaitsForItsPodsStop: a StartContainer does not run
// while its pod is being stopped or removed (the exclusive pod lock).
func TestStartContainerWaitsForItsPodsStop(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	cfg := env.sandboxConfig()
	sb, err := env.svc.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: cfg})
	require.NoError(t, err)
	c, err := env.svc.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.PodSandboxId, Config: containerConfig(), SandboxConfig: cfg})
	require.NoError(t, err)

	unlock, err := env.svc.pods.exclusive(ctx, sb.PodSandboxId)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := env.svc.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("StartContainer ran while its pod was held exclusively: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("StartContainer did not proceed after the pod's lock was released")
	}
}
