package containerlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// Engine is what the followers need from Docker.
type Engine interface {
	LogStream(ctx context.Context, id, since string, follow bool) (io.ReadCloser, error)
	// Running reports whether container id still runs (a NotFound error
	// when it is gone). exiting says that its follow stream just ended
	// cleanly, as Docker ends it when the container exits: the engine
	// may then wait briefly for that exit to be known without asking
	// Docker.
	Running(ctx context.Context, id string, exiting bool) (bool, error)
}

// Manager runs one follower per container with a CRI log path.
type Manager struct {
	engine   Engine
	stateDir string
	ctx      context.Context
	stop     context.CancelFunc

	mu        sync.Mutex
	followers map[string]*follower
}

// NewManager keeps follower state under stateDir.
func NewManager(engine Engine, stateDir string) (*Manager, error) {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("log state directory: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Manager{engine: engine, stateDir: stateDir, ctx: ctx, stop: stop, followers: map[string]*follower{}}, nil
}

// Follow makes sure container id's logs are being written to path. It is
// a no-op while a follower for id runs.
func (m *Manager) Follow(id, path string, tty bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if fl, ok := m.followers[id]; ok {
		select {
		case <-fl.done:
		default:
			return nil
		}
	}
	if m.ctx.Err() != nil {
		return errdefs.FailedPrecondition("log manager is shut down")
	}
	fl := &follower{
		id: id, path: path, tty: tty,
		statePath: filepath.Join(m.stateDir, id+".json"),
		log:       logrus.WithFields(logrus.Fields{"container": id, "log": path}),
		done:      make(chan struct{}),
	}
	if err := fl.open(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(m.ctx)
	fl.cancel = cancel
	m.followers[id] = fl
	go fl.run(ctx, m.engine)
	return nil
}

// Reopen reopens container id's log file after kubelet rotated it.
func (m *Manager) Reopen(id string) error {
	m.mu.Lock()
	fl, ok := m.followers[id]
	m.mu.Unlock()
	if !ok {
		return errdefs.FailedPrecondition("container %s has no log being written (not running, or no log path)", id)
	}
	select {
	case <-fl.done:
		return errdefs.FailedPrecondition("container %s is not running", id)
	default:
	}
	return fl.reopen()
}

// Forget stops container id's follower and deletes its state; the log file
// itself belongs to kubelet and stays.
func (m *Manager) Forget(id string) {
	m.mu.Lock()
	fl, ok := m.followers[id]
	delete(m.followers, id)
	m.mu.Unlock()
	if ok {
		fl.cancel()
		<-fl.done
	}
	statePath := filepath.Join(m.stateDir, id+".json")
	if err := os.Remove(statePath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		logrus.WithError(err).WithField("container", id).Warn("removing log state")
	}
}

// Wait blocks until container id's follower has written everything of an
// exited container (or ctx ends).
func (m *Manager) Wait(ctx context.Context, id string) error {
	m.mu.Lock()
	fl, ok := m.followers[id]
	m.mu.Unlock()
	if !ok {
		return nil
	}
	select {
	case <-fl.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops every follower, flushing what they read.
func (m *Manager) Close() {
	m.stop()
	m.mu.Lock()
	fls := make([]*follower, 0, len(m.followers))
	for _, fl := range m.followers {
		fls = append(fls, fl)
	}
	m.mu.Unlock()
	for _, fl := range fls {
		<-fl.done
	}
}
