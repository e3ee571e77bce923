// Package failpoint lets the end-to-end tests crash dockercri at chosen
// points, to prove that start-up recovery completes or rolls back what a
// killed process left half done. A failpoint is enabled by naming it in
// the DOCKERCRI_FAILPOINTS environment variable (comma-separated); when
// execution reaches an enabled one, the process SIGKILLs itself, exactly
// as an out-of-memory kill or a node crash would stop it. Nothing is
// enabled unless that variable is set.
package failpoint

import (
	"os"
	"strings"
	"syscall"
)

// EnvVar names the variable that enables failpoints.
const EnvVar = "DOCKERCRI_FAILPOINTS"

var enabled = parse(os.Getenv(EnvVar))

func parse(v string) map[string]bool {
	m := map[string]bool{}
	for _, name := range strings.Split(v, ",") {
		if name = strings.TrimSpace(name); name != "" {
			m[name] = true
		}
	}
	return m
}

// Enabled reports whether the named failpoint is on.
func Enabled(name string) bool { return enabled[name] }

// Hit kills the process with SIGKILL when the named failpoint is on.
func Hit(name string) {
	if enabled[name] {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
