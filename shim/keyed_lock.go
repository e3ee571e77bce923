package shim

import (
	"context"
	"sync"
)

// keyedLock is one read-write lock per key (a sandbox id), made on first
// use and dropped when its last holder leaves. It makes the ordering of
// calls on one pod explicit: container creates and removes share the
// sandbox's lock, StopPodSandbox and RemovePodSandbox hold it alone, so a
// sandbox's sweep never races a create or a remove of one of its
// containers.
type keyedLock struct {
	mu    sync.Mutex
	locks map[string]*keyEntry
}

type keyEntry struct {
	// sem holds one token per shared holder; an exclusive holder takes
	// all of them, after writer, which exclusive holders take first (so two
	// cannot each hold part of sem). Channels, so that acquiring honours a
	// context (a sync.RWMutex cannot).
	sem    chan struct{}
	writer chan struct{}
	users  int
}

// readers bounds the concurrent shared holders of one key.
const readers = 64

func newKeyedLock() *keyedLock { return &keyedLock{locks: map[string]*keyEntry{}} }

func (k *keyedLock) entry(key string) *keyEntry {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.locks[key]
	if !ok {
		e = &keyEntry{sem: make(chan struct{}, readers), writer: make(chan struct{}, 1)}
		k.locks[key] = e
	}
	e.users++
	return e
}

func (k *keyedLock) done(key string, e *keyEntry) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e.users--; e.users == 0 {
		delete(k.locks, key)
	}
}

// shared takes key's lock shared with other shared holders; the returned
// function releases it. It fails only when ctx ends first.
func (k *keyedLock) shared(ctx context.Context, key string) (func(), error) {
	e := k.entry(key)
	select {
	case e.sem <- struct{}{}:
		return func() { <-e.sem; k.done(key, e) }, nil
	case <-ctx.Done():
		k.done(key, e)
		return nil, ctx.Err()
	}
}

// exclusive takes key's lock alone.
func (k *keyedLock) exclusive(ctx context.Context, key string) (func(), error) {
	e := k.entry(key)
	select {
	case e.writer <- struct{}{}:
	case <-ctx.Done():
		k.done(key, e)
		return nil, ctx.Err()
	}
	release := func(got int) {
		for range got {
			<-e.sem
		}
		<-e.writer
		k.done(key, e)
	}
	for got := 0; got < readers; got++ {
		select {
		case e.sem <- struct{}{}:
		case <-ctx.Done():
			release(got)
			return nil, ctx.Err()
		}
	}
	return func() { release(readers) }, nil
}
