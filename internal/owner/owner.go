// Package owner gives background goroutines an owner that waits for them:
// every goroutine a component starts runs through its Group, and the
// component's Close stops the group and waits until all have returned.
package owner

import (
	"context"
	"sync"
)

// Group runs goroutines under one context and waits for them on Stop.
// After Stop, Go runs nothing. The zero value is not usable: use New.
type Group struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

// New returns a group whose goroutines see a context derived from parent.
func New(parent context.Context) *Group {
	ctx, cancel := context.WithCancel(parent)
	return &Group{ctx: ctx, cancel: cancel}
}

// Context is the group's context, cancelled by Stop.
func (g *Group) Context() context.Context { return g.ctx }

// Go runs f in a goroutine owned by the group and reports whether it did
// (false once Stop began).
func (g *Group) Go(f func(ctx context.Context)) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return false
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f(g.ctx)
	}()
	return true
}

// Stop cancels the group's context and waits for its goroutines. It may be
// called more than once.
func (g *Group) Stop() {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
	g.cancel()
	g.wg.Wait()
}
