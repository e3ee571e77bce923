package translate

import (
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// matchID accepts the full id or a unique-looking prefix of it, as crictl
// passes truncated ids.
func matchID(want, id string) bool {
	return want == "" || strings.HasPrefix(id, want)
}

// MatchSandbox reports whether a sandbox passes a ListPodSandbox filter.
func MatchSandbox(f *runtimeapi.PodSandboxFilter, s *runtimeapi.PodSandbox) bool {
	if f == nil {
		return true
	}
	if !matchID(f.Id, s.Id) {
		return false
	}
	if f.State != nil && f.State.State != s.State {
		return false
	}
	return MatchSelector(f.LabelSelector, s.Labels)
}

// MatchContainer reports whether a container passes a ListContainers filter.
func MatchContainer(f *runtimeapi.ContainerFilter, c *runtimeapi.Container) bool {
	if f == nil {
		return true
	}
	if !matchID(f.Id, c.Id) || !matchID(f.PodSandboxId, c.PodSandboxId) {
		return false
	}
	if f.State != nil && f.State.State != c.State {
		return false
	}
	return MatchSelector(f.LabelSelector, c.Labels)
}
