package translate

import (
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
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
