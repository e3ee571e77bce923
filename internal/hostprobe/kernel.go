package hostprobe

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// KernelRecursiveReadOnly reports whether the running kernel can make a
// mount recursively read-only (mount_setattr with AT_RECURSIVE, Linux
// 5.12), which runc needs for the "rro" mount option.
func KernelRecursiveReadOnly() bool {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return false
	}
	return kernelAtLeast(unix.ByteSliceToString(u.Release[:]), 5, 12)
}

// kernelAtLeast compares a kernel release ("6.1.0-27-amd64") with
// major.minor; an unparsable release is too old.
func kernelAtLeast(release string, major, minor int) bool {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return false
	}
	maj, err := strconv.Atoi(parts[0])
	if err != nil {
		return false
	}
	minStr := parts[1]
	if i := strings.IndexFunc(minStr, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		minStr = minStr[:i]
	}
	mn, err := strconv.Atoi(minStr)
	if err != nil {
		return false
	}
	return maj > major || (maj == major && mn >= minor)
}
