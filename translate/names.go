package translate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// Container names follow dockershim and cri-dockerd so that a node can move
// between them without restarting pods:
//
//	k8s_POD_<pod>_<namespace>_<uid>_<attempt>              sandbox
//	k8s_<container>_<pod>_<namespace>_<uid>_<attempt>      container
//
// A trailing random "_<suffix>" (written by dockershim on name conflicts) is
// tolerated when parsing.
const (
	namePrefix   = "k8s"
	sandboxToken = "POD"
	nameSep      = "_"
)

// nameComponent is what Docker accepts inside a container name, minus the
// separator, so that names stay parseable.
var nameComponent = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9.-]*$`)

func checkComponent(field, v string) error {
	if v == "" {
		return errdefs.InvalidArgument("%s is required", field)
	}
	if !nameComponent.MatchString(v) {
		return errdefs.InvalidArgument("%s %q must be alphanumerics, '.' or '-' (it becomes part of the Docker container name)", field, v)
	}
	return nil
}

// ValidateSandboxMetadata checks that m can be encoded in a container name.
func ValidateSandboxMetadata(m *runtimeapi.PodSandboxMetadata) error {
	if m == nil {
		return errdefs.InvalidArgument("sandbox config metadata is required")
	}
	if err := checkComponent("metadata.name", m.Name); err != nil {
		return err
	}
	if err := checkComponent("metadata.namespace", m.Namespace); err != nil {
		return err
	}
	return checkComponent("metadata.uid", m.Uid)
}

// SandboxName is the Docker name of a pod sandbox container.
func SandboxName(m *runtimeapi.PodSandboxMetadata) string {
	return strings.Join([]string{namePrefix, sandboxToken, m.Name, m.Namespace, m.Uid, strconv.FormatUint(uint64(m.Attempt), 10)}, nameSep)
}

// ContainerName is the Docker name of a container in sandbox s.
func ContainerName(s *runtimeapi.PodSandboxMetadata, c *runtimeapi.ContainerMetadata) string {
	return strings.Join([]string{namePrefix, c.Name, s.Name, s.Namespace, s.Uid, strconv.FormatUint(uint64(c.Attempt), 10)}, nameSep)
}

// ValidateContainerMetadata checks that c can be encoded in a container name.
func ValidateContainerMetadata(c *runtimeapi.ContainerMetadata) error {
	if c == nil {
		return errdefs.InvalidArgument("container config metadata is required")
	}
	if c.Name == sandboxToken {
		return errdefs.InvalidArgument("metadata.name %q is reserved for pod sandboxes", c.Name)
	}
	return checkComponent("metadata.name", c.Name)
}

// splitName splits a Docker container name (with or without its leading
// "/") into its components, dropping a random suffix.
func splitName(name string) ([]string, error) {
	parts := strings.Split(strings.TrimPrefix(name, "/"), nameSep)
	if len(parts) == 7 {
		parts = parts[:6]
	}
	if len(parts) != 6 || parts[0] != namePrefix {
		return nil, fmt.Errorf("%w: %q is not a kubernetes container name", errdefs.ErrInvalidArgument, name)
	}
	return parts, nil
}

func parseAttempt(name, s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%w: attempt %q in container name %q: %w", errdefs.ErrInvalidArgument, s, name, err)
	}
	return uint32(n), nil
}

// ParseSandboxName recovers the sandbox metadata from a Docker name.
func ParseSandboxName(name string) (*runtimeapi.PodSandboxMetadata, error) {
	p, err := splitName(name)
	if err != nil {
		return nil, err
	}
	if p[1] != sandboxToken {
		return nil, fmt.Errorf("%w: %q is not a sandbox container name", errdefs.ErrInvalidArgument, name)
	}
	attempt, err := parseAttempt(name, p[5])
	if err != nil {
		return nil, err
	}
	return &runtimeapi.PodSandboxMetadata{Name: p[2], Namespace: p[3], Uid: p[4], Attempt: attempt}, nil
}

// ParseContainerName recovers the container metadata from a Docker name.
func ParseContainerName(name string) (*runtimeapi.ContainerMetadata, error) {
	p, err := splitName(name)
	if err != nil {
		return nil, err
	}
	if p[1] == sandboxToken {
		return nil, fmt.Errorf("%w: %q is a sandbox container name", errdefs.ErrInvalidArgument, name)
	}
	attempt, err := parseAttempt(name, p[5])
	if err != nil {
		return nil, err
	}
	return &runtimeapi.ContainerMetadata{Name: p[1], Attempt: attempt}, nil
}
