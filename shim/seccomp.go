package shim

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// loadSeccompProfiles reads Localhost seccomp profiles named by a request;
// Docker's API takes the profile's JSON, not its path.
func loadSeccompProfiles(paths ...string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if !filepath.IsAbs(p) {
			return nil, errdefs.InvalidArgument("seccomp profile path %q must be absolute", p)
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return nil, errdefs.Wrap(errdefs.ErrInvalidArgument, fmt.Errorf("reading seccomp profile: %w", err))
		}
		out[p] = body
	}
	return out, nil
}
