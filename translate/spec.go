package translate

import (
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// CreateSpec is everything Docker's ContainerCreate needs.
type CreateSpec struct {
	Name       string
	Config     *container.Config
	HostConfig *container.HostConfig
	Networking *network.NetworkingConfig
	// Warnings name requested settings Docker cannot express and that were
	// left out; the caller logs them.
	Warnings []string
}

// HostLimits are facts about the host that shape a spec, probed once at
// start-up by the caller.
type HostLimits struct {
	// CgroupDriver is Docker's cgroup driver: "cgroupfs" or "systemd".
	CgroupDriver string
	// MinOOMScoreAdj is the lowest oom_score_adj the host lets runc set
	// (-1000 normally; higher where CAP_SYS_RESOURCE is missing).
	MinOOMScoreAdj int
	// MissingCaps are capabilities the host's bounding set lacks (names
	// like "CAP_SYS_RESOURCE"); runc can grant them to no container.
	MissingCaps []string
	// KernelRRO is true when the kernel can make mounts recursively
	// read-only (Linux 5.12+).
	KernelRRO bool
	// Engine is what the Docker Engine can do, from EngineFeaturesOf.
	Engine EngineFeatures
}

// checkCaps fails clearly, before Docker is asked, when a container needs a
// capability the host cannot give: privileged containers need them all.
func (h HostLimits) checkCaps(privileged bool, add []string) error {
	if len(h.MissingCaps) == 0 {
		return nil
	}
	if privileged {
		return errdefs.FailedPrecondition("privileged containers cannot run on this host: its capability bounding set lacks %s", strings.Join(h.MissingCaps, ", "))
	}
	for _, c := range add {
		name := strings.ToUpper(c)
		if name == "ALL" {
			return errdefs.FailedPrecondition("capability ALL cannot be granted on this host: its capability bounding set lacks %s", strings.Join(h.MissingCaps, ", "))
		}
		if !strings.HasPrefix(name, "CAP_") {
			name = "CAP_" + name
		}
		if slices.Contains(h.MissingCaps, name) {
			return errdefs.FailedPrecondition("capability %s cannot be granted on this host: its capability bounding set lacks it", name)
		}
	}
	return nil
}

func (h HostLimits) clampOOM(v int64) int {
	if v < int64(h.MinOOMScoreAdj) {
		return h.MinOOMScoreAdj
	}
	if v > 1000 {
		return 1000
	}
	return int(v)
}
