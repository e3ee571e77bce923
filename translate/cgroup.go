package translate

import (
	"path"
	"strings"
)

// CgroupParent converts a cgroupfs-style parent ("/kubepods/burstable/podX")
// to the systemd slice form ("kubepods-burstable-podX.slice") when Docker
// uses the systemd driver, and a slice back to a path for cgroupfs. Values
// already in the driver's form pass through.
func CgroupParent(parent, driver string) string {
	if parent == "" {
		return ""
	}
	isSlice := strings.HasSuffix(parent, ".slice") && !strings.Contains(parent, "/")
	switch {
	case driver == "systemd" && !isSlice:
		var parts []string
		for _, p := range strings.Split(path.Clean("/"+parent), "/") {
			if p != "" {
				parts = append(parts, strings.ReplaceAll(p, "-", "_"))
			}
		}
		if len(parts) == 0 {
			return "-.slice"
		}
		return strings.Join(parts, "-") + ".slice"
	case driver != "systemd" && isSlice:
		name := strings.TrimSuffix(parent, ".slice")
		if name == "-" {
			return "/"
		}
		parts := strings.Split(name, "-")
		out := "/"
		for i := range parts {
			out = path.Join(out, strings.Join(parts[:i+1], "-")+".slice")
		}
		return out
	}
	return parent
}
