// Package translate holds dockercri's pure conversions between CRI
// (runtime.v1) types and Docker Engine API types: container names, labels,
// create specs, status, filters and images.
//
// Nothing in this package does I/O: every fact it needs about the host or
// the engine (cgroup driver, OOM score limits, seccomp profile contents,
// image details) is passed in by the caller.
package translate
