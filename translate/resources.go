package translate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// Resources maps CRI Linux resources to Docker's. Settings Docker cannot
// express are returned as warnings rather than failing the pod: kubelet sends
// hugepage limits (often zero) and, under MemoryQoS, unified keys to every
// runtime.
func Resources(r *runtimeapi.LinuxContainerResources, host HostLimits) (container.Resources, []string, error) {
	var out container.Resources
	if r == nil {
		return out, nil, nil
	}
	if r.CpuShares < 0 || r.CpuQuota < -1 || r.CpuPeriod < 0 || r.MemoryLimitInBytes < 0 {
		return out, nil, errdefs.InvalidArgument("negative cpu shares, quota, period or memory limit")
	}
	out.CPUShares = r.CpuShares
	out.CPUQuota = r.CpuQuota
	out.CPUPeriod = r.CpuPeriod
	out.CpusetCpus = r.CpusetCpus
	out.CpusetMems = r.CpusetMems
	out.Memory = r.MemoryLimitInBytes
	if r.MemorySwapLimitInBytes > 0 {
		out.MemorySwap = r.MemorySwapLimitInBytes
	}
	var warnings []string
	for _, hp := range r.HugepageLimits {
		if hp.Limit > 0 {
			warnings = append(warnings, fmt.Sprintf("hugepage limit %s=%d not enforced: Docker Engine has no hugetlb limits", hp.PageSize, hp.Limit))
		}
	}
	var swapMax *int64
	for k, v := range r.Unified {
		if k == UnifiedSwapMax {
			n, err := parseUnifiedInt(k, v)
			if err != nil {
				return out, nil, err
			}
			swapMax = &n
			continue
		}
		if cgroupFileKeys[k] {
			if _, err := cgroupFileValue(k, v); err != nil {
				return out, nil, err
			}
			continue // written into the cgroup after start (CgroupFiles)
		}
		if err := applyUnified(&out, k, v); err != nil {
			if !errorsIsUnsupported(err) {
				return out, nil, err
			}
			warnings = append(warnings, err.Error())
		}
	}
	if swapMax != nil {
		w, err := applySwapMax(&out, *swapMax)
		if err != nil {
			return out, nil, err
		}
		if w != "" {
			warnings = append(warnings, w)
		}
	}
	return out, warnings, nil
}

// UnifiedSwapMax is the cgroup v2 key kubelet sets for its swap behaviour:
// "0" for NoSwap, the bytes of swap allowed for LimitedSwap.
const UnifiedSwapMax = "memory.swap.max"

// applySwapMax turns a swap allowance (bytes beyond the memory limit, -1 for
// unlimited) into Docker's MemorySwap, which counts memory and swap
// together: Docker (and runc after it) writes memory.swap.max = MemorySwap
// − Memory on cgroup v2 and memory.memsw.limit_in_bytes = MemorySwap on v1.
// Docker limits swap only together with a memory limit; without one the
// allowance is reported as a warning, not applied.
func applySwapMax(out *container.Resources, swap int64) (warning string, err error) {
	switch {
	case swap < -1:
		return "", errdefs.InvalidArgument("unified %s=%d: negative", UnifiedSwapMax, swap)
	case swap == -1:
		out.MemorySwap = -1
	case out.Memory > 0:
		out.MemorySwap = out.Memory + swap
	default:
		return fmt.Sprintf("unified %s=%d not applied: Docker Engine limits swap only together with a memory limit, and this container has none", UnifiedSwapMax, swap), nil
	}
	return "", nil
}

// KeepSwapHeadroom completes an update that sets a memory limit and says
// nothing of swap. Docker refuses a memory limit above the container's
// memory+swap unless MemorySwap changes with it ("update the memoryswap at
// the same time"), so the container keeps the swap it had beyond its
// memory: N bytes stay N bytes (Docker's default at create is as much swap
// as memory), no limit stays no limit.
func KeepSwapHeadroom(res *container.Resources, cur container.Resources) {
	if res.Memory <= 0 || res.MemorySwap != 0 {
		return
	}
	if cur.MemorySwap <= 0 || cur.Memory <= 0 || cur.MemorySwap < cur.Memory {
		res.MemorySwap = -1
		return
	}
	res.MemorySwap = res.Memory + (cur.MemorySwap - cur.Memory)
}

type unsupportedError struct{ key string }

func (e unsupportedError) Error() string {
	return fmt.Sprintf("unified cgroup setting %q not applied: Docker Engine cannot express it", e.key)
}

func errorsIsUnsupported(err error) bool {
	_, ok := err.(unsupportedError)
	return ok
}

// parseUnifiedInt parses a unified cgroup value: a number, or "max" (-1).
func parseUnifiedInt(key, val string) (int64, error) {
	if val == "max" {
		return -1, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
	if err != nil {
		return 0, errdefs.InvalidArgument("unified %s=%q: %w", key, val, err)
	}
	return n, nil
}

// UnifiedOOMGroup is the cgroup v2 key kubelet sets (unless
// singleProcessOOMKill) so that an OOM kill takes the whole container, not
// one of its processes.
const UnifiedOOMGroup = "memory.oom.group"

// cgroupFileKeys are the unified keys Docker has no field for that
// dockercri writes into the container's cgroup itself once it runs.
var cgroupFileKeys = map[string]bool{UnifiedOOMGroup: true}

func cgroupFileValue(key, val string) (string, error) {
	switch key {
	case UnifiedOOMGroup:
		if v := strings.TrimSpace(val); v == "0" || v == "1" {
			return v, nil
		}
		return "", errdefs.InvalidArgument("unified %s=%q: must be 0 or 1", key, val)
	}
	return "", unsupportedError{key: key}
}

// CgroupFiles are the settings of r that go into the container's cgroup
// files after start, as the LabelCgroupFiles value ("k=v,k=v"; "" for none).
func CgroupFiles(r *runtimeapi.LinuxContainerResources) string {
	var kv []string
	for k, v := range r.GetUnified() {
		if !cgroupFileKeys[k] {
			continue
		}
		if val, err := cgroupFileValue(k, v); err == nil {
			kv = append(kv, k+"="+val)
		}
	}
	sort.Strings(kv)
	return strings.Join(kv, ",")
}

// ParseCgroupFiles reads a LabelCgroupFiles value back, keeping only the
// keys and values CgroupFiles can write (a label is not trusted blindly:
// it names files under the container's cgroup).
func ParseCgroupFiles(label string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(label, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !cgroupFileKeys[k] {
			continue
		}
		if val, err := cgroupFileValue(k, v); err == nil {
			out[k] = val
		}
	}
	return out
}

// applyUnified maps the cgroup v2 keys that have a Docker field.
func applyUnified(out *container.Resources, key, val string) error {
	parseInt := func() (int64, error) { return parseUnifiedInt(key, val) }
	switch key {
	case "memory.max":
		n, err := parseInt()
		if err != nil {
			return err
		}
		if n > 0 {
			out.Memory = n
		}
	case "pids.max":
		n, err := parseInt()
		if err != nil {
			return err
		}
		out.PidsLimit = &n
	case "cpu.weight":
		n, err := parseInt()
		if err != nil {
			return err
		}
		if n < 1 || n > 10000 {
			return errdefs.InvalidArgument("unified cpu.weight=%q out of range 1..10000", val)
		}
		// Inverse of the runc / kubelet conversion shares → weight.
		out.CPUShares = 2 + ((n-1)*262142)/9999
	default:
		return unsupportedError{key: key}
	}
	return nil
}

// ResourcesFromHost reports a container's resources as CRI sees them.
func ResourcesFromHost(h *container.HostConfig) *runtimeapi.ContainerResources {
	if h == nil {
		return nil
	}
	return &runtimeapi.ContainerResources{Linux: &runtimeapi.LinuxContainerResources{
		CpuPeriod:              h.CPUPeriod,
		CpuQuota:               h.CPUQuota,
		CpuShares:              h.CPUShares,
		MemoryLimitInBytes:     h.Memory,
		MemorySwapLimitInBytes: h.MemorySwap,
		OomScoreAdj:            int64(h.OomScoreAdj),
		CpusetCpus:             h.CpusetCpus,
		CpusetMems:             h.CpusetMems,
	}}
}
