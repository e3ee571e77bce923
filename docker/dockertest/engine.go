// Package dockertest is an in-memory Docker Engine for unit tests: a fake
// docker.Engine that keeps real state (containers by id and name, with their
// labels and state; images by id and reference) and answers with errors
// classified as the real client classifies Docker's (internal/errdefs).
//
// It does not script calls: tests set up state, call the code under test,
// then look at the state. FailNext makes the next call of one method fail,
// to exercise error paths such as rollbacks.
package dockertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/system"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

// ZeroTime is how Docker renders a time that never happened.
const ZeroTime = "0001-01-01T00:00:00Z"

var _ docker.Engine = (*Engine)(nil)

// Engine is the fake. The zero value is not usable; call New.
type Engine struct {
	mu         sync.Mutex
	info       system.Info
	version    types.Version
	now        func() time.Time
	containers map[string]*container.InspectResponse // by id
	names      map[string]string                     // name without "/" -> id
	images     map[string]*image.InspectResponse     // by id
	remote     map[string]image.InspectResponse      // pullable, by normalized ref
	pulls      []Pull
	failures   map[string][]error
	calls      map[string]int
	nextIP     int
	exec       ProcessFunc
	attach     ProcessFunc
	execs      map[string]*execSession
	sizes      map[string]termSize
	logs       map[string][]logEntry // by container id
	wake       chan struct{}         // closed when logs or states change
	events     []docker.Event
}

// Pull records one PullImage call.
type Pull struct {
	Ref  string
	Auth string
}

// Option configures a new Engine.
type Option func(*Engine)

// WithInfo sets what Info returns (defaults: cgroupfs driver, data root
// /var/lib/docker, runtime runc).
func WithInfo(info system.Info) Option { return func(e *Engine) { e.info = info } }

// WithVersion sets what Version returns (default: 28.5.2, API 1.51).
func WithVersion(v types.Version) Option { return func(e *Engine) { e.version = v } }

// WithImage adds a local image (see AddImage).
func WithImage(img image.InspectResponse) Option { return func(e *Engine) { e.AddImage(img) } }

// WithRemoteImage makes ref pullable (see AddRemoteImage).
func WithRemoteImage(ref string, img image.InspectResponse) Option {
	return func(e *Engine) { e.AddRemoteImage(ref, img) }
}

// WithClock replaces time.Now for timestamps.
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// New returns an empty engine.
func New(opts ...Option) *Engine {
	e := &Engine{
		info: system.Info{
			CgroupDriver:  "cgroupfs",
			DockerRootDir: "/var/lib/docker",
			Runtimes:      map[string]system.RuntimeWithStatus{"runc": {}},
		},
		version:    types.Version{Version: "28.5.2", APIVersion: "1.51", MinAPIVersion: "1.24"},
		now:        time.Now,
		containers: map[string]*container.InspectResponse{},
		names:      map[string]string{},
		images:     map[string]*image.InspectResponse{},
		remote:     map[string]image.InspectResponse{},
		failures:   map[string][]error{},
		calls:      map[string]int{},
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

// FailNext makes the next call of method (an Engine method name such as
// "StartContainer") return err without changing any state. Calls queue up.
func (e *Engine) FailNext(method string, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failures[method] = append(e.failures[method], err)
}

// Calls reports how many times method was called, failed calls included.
func (e *Engine) Calls(method string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[method]
}

// enter counts the call and returns the injected or context error, if any.
// The caller holds e.mu.
func (e *Engine) enter(ctx context.Context, method string) error {
	e.calls[method]++
	if q := e.failures[method]; len(q) > 0 {
		e.failures[method] = q[1:]
		return q[0]
	}
	if err := ctx.Err(); err != nil {
		if err == context.DeadlineExceeded {
			return errdefs.Wrap(errdefs.ErrDeadlineExceeded, fmt.Errorf("%s: %w", method, err))
		}
		return fmt.Errorf("%s: %w", method, err)
	}
	return nil
}

func (e *Engine) timestamp() string { return e.now().UTC().Format(time.RFC3339Nano) }

func newID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Ping answers unless a failure is injected.
func (e *Engine) Ping(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.enter(ctx, "Ping")
}

// Info returns the configured docker info.
func (e *Engine) Info(ctx context.Context) (system.Info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "Info"); err != nil {
		return system.Info{}, err
	}
	info := e.info
	info.Containers = len(e.containers)
	info.Images = len(e.images)
	return info, nil
}

// Version returns a recent engine version.
func (e *Engine) Version(ctx context.Context) (types.Version, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "Version"); err != nil {
		return types.Version{}, err
	}
	return e.version, nil
}
