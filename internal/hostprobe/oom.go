// Package hostprobe detects, once at start-up, what the host lets
// containers do, so that dockercri can degrade clearly instead of failing
// every pod.
package hostprobe

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

const oomScoreAdjPath = "/proc/self/oom_score_adj"

// MinOOMScoreAdj returns the lowest oom_score_adj that processes started
// from this host can be given. Lowering the value needs CAP_SYS_RESOURCE;
// where the capability bounding set lacks it (nested and restricted nodes)
// runc fails every container asking for less than the current value.
func MinOOMScoreAdj() (int, error) {
	return minOOMScoreAdj(oomScoreAdjPath)
}

func minOOMScoreAdj(path string) (int, error) {
	cur, err := readInt(path)
	if err != nil {
		return 0, err
	}
	if cur <= -1000 {
		return -1000, nil
	}
	if err := writeInt(path, cur-1); err != nil {
		// Lowering is refused: the current value is the floor.
		return cur, nil
	}
	// Raising back is always allowed.
	if err := writeInt(path, cur); err != nil {
		return 0, fmt.Errorf("restoring %s: %w", path, err)
	}
	return -1000, nil
}

func readInt(path string) (int, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", path, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(buf)))
	if err != nil {
		return 0, fmt.Errorf("parsing %s: %w", path, err)
	}
	return n, nil
}

func writeInt(path string, v int) error {
	return os.WriteFile(path, []byte(strconv.Itoa(v)), 0o644)
}
