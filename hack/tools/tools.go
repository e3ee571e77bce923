//go:build tools

// Package tools pins the versions of the CRI test tools (crictl, critest)
// that `make tools` builds. It is a module of its own so that their
// dependencies never enter dockercri's go.mod.
package tools

import (
	_ "sigs.k8s.io/cri-tools/cmd/crictl"
	_ "sigs.k8s.io/cri-tools/cmd/critest"
)
