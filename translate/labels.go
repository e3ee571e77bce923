package translate

import (
	"strings"
)

// Labels dockercri (and cri-dockerd, and dockershim before it) puts on the
// Docker containers it creates.
const (
	LabelType      = "io.kubernetes.docker.type"
	TypeSandbox    = "podsandbox"
	TypeContainer  = "container"
	LabelSandboxID = "io.kubernetes.sandbox.id"
	LabelLogPath   = "io.kubernetes.container.logpath"
	// LabelUserImage keeps the image reference the user wrote (CRI's
	// user_specified_image), which kubelet shows in pod status.
	LabelUserImage = "io.dockercri.image.user-specified"
	// LabelCgroupFiles keeps the cgroup v2 settings Docker cannot express
	// ("memory.oom.group=1"), which StartContainer writes into the
	// container's cgroup (CgroupFiles).
	LabelCgroupFiles = "io.dockercri.cgroup-files"
	annotationLabel  = "annotation."
)

// internalLabels are dockercri's own and never reported back as CRI labels.
var internalLabels = map[string]bool{LabelType: true, LabelSandboxID: true, LabelLogPath: true, LabelUserImage: true, LabelCgroupFiles: true}

// MakeLabels merges CRI labels and annotations into one Docker label map,
// annotations prefixed with "annotation.", plus the given internal labels.
func MakeLabels(labels, annotations map[string]string, internal map[string]string) map[string]string {
	out := make(map[string]string, len(labels)+len(annotations)+len(internal))
	for k, v := range labels {
		out[k] = v
	}
	for k, v := range annotations {
		out[annotationLabel+k] = v
	}
	for k, v := range internal {
		out[k] = v
	}
	return out
}

// SplitLabels is the inverse of MakeLabels: it returns the CRI labels and
// annotations stored in Docker labels, without dockercri's internal ones.
func SplitLabels(docker map[string]string) (labels, annotations map[string]string) {
	labels = map[string]string{}
	annotations = map[string]string{}
	for k, v := range docker {
		switch {
		case internalLabels[k]:
		case strings.HasPrefix(k, annotationLabel):
			annotations[strings.TrimPrefix(k, annotationLabel)] = v
		default:
			labels[k] = v
		}
	}
	return labels, annotations
}

// MatchSelector reports whether every key=value of selector is in labels.
func MatchSelector(selector, labels map[string]string) bool {
	for k, v := range selector {
		got, ok := labels[k]
		if !ok || got != v {
			return false
		}
	}
	return true
}

// WithoutInherited drops the labels a container inherited from its image
// (Docker merges image labels into the container's), keeping any whose value
// the container changed. The result is a new map.
func WithoutInherited(labels, image map[string]string) map[string]string {
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		if iv, ok := image[k]; ok && iv == v && !internalLabels[k] {
			continue
		}
		out[k] = v
	}
	return out
}
