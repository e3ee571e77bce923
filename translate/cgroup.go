package translate

import (
	"path"
	"strings"
)

// CgroupParent converts a cgroupfs-style parent ("/kubepods/burstable/podX")
// to the systemd slice form ("kubepods-burstable-podX.slice") when Docker
// uses the systemd driver, and a slice back to a path for cgroupfs. Values
// already in the driver's form pass through.
//
// kubelet's systemd cgroup manager sends the slice's expanded path
// ("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podX.slice").
// Docker's systemd driver takes a slice name, and a slice's name alone fixes
// where systemd puts it, so such a path becomes its last element (as
// containerd's CRI does); escaping it as a cgroupfs path would make a slice
// outside kubepods.slice, out of reach of kubelet's QoS and node-allocatable
// limits.
func CgroupParent(parent, driver string) string {
	if parent == "" {
		return ""
	}
	isSlice := strings.HasSuffix(parent, ".slice") && !strings.Contains(parent, "/")
	switch {
	case driver == "systemd" && !isSlice && isSlicePath(parent):
		return path.Base(path.Clean("/" + parent))
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

// isSlicePath reports whether p is a path of systemd slices
// ("/a.slice/a-b.slice"): every element ends in ".slice".
func isSlicePath(p string) bool {
	elems := strings.Split(strings.Trim(path.Clean("/"+p), "/"), "/")
	for _, e := range elems {
		if !strings.HasSuffix(e, ".slice") || e == ".slice" {
			return false
		}
	}
	return len(elems) > 0
}
