package hostprobe

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KubeletCgroupDriver reads cgroupDriver from a KubeletConfiguration file
// ("" when the file or the field is absent: kubelet's default, cgroupfs,
// or the runtime's when kubelet asks it).
func KubeletCgroupDriver(path string) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading kubelet config: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "cgroupDriver:"); ok {
			return strings.Trim(strings.TrimSpace(v), `"'`), nil
		}
	}
	return "", sc.Err()
}
