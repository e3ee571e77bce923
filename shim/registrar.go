package shim

import (
	"strings"
	"sync"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// registrar reserves container names while a create is in flight, so two
// concurrent RunPodSandbox (or CreateContainer) calls for the same pod
// cannot both get as far as Docker.
type registrar struct {
	mu    sync.Mutex
	names map[string]struct{}
}

func newRegistrar() *registrar { return &registrar{names: map[string]struct{}{}} }

// reserve claims name until release is called.
func (r *registrar) reserve(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, busy := r.names[name]; busy {
		return errdefs.AlreadyExists("%q is being created by another request", name)
	}
	r.names[name] = struct{}{}
	return nil
}

func (r *registrar) release(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.names, name)
}

// reserved reports whether a create of name is in flight.
func (r *registrar) reserved(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, busy := r.names[strings.TrimPrefix(name, "/")]
	return busy
}
