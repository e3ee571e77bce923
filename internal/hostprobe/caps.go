package hostprobe

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// capNames are the Linux capabilities by number.
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// MissingCapabilities lists the capabilities the kernel has but this
// process's bounding set lacks. runc cannot grant them to any container, so
// privileged containers (which ask for all of them) cannot run here.
func MissingCapabilities() ([]string, error) {
	bnd, err := boundingSet("/proc/self/status")
	if err != nil {
		return nil, err
	}
	last, err := readInt("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return nil, err
	}
	return missingCaps(bnd, last), nil
}

func missingCaps(bnd uint64, last int) []string {
	var out []string
	for i := 0; i <= last && i < 64; i++ {
		if bnd&(1<<uint(i)) != 0 {
			continue
		}
		name := fmt.Sprintf("CAP_%d", i)
		if i < len(capNames) {
			name = capNames[i]
		}
		out = append(out, name)
	}
	return out
}

func boundingSet(statusPath string) (uint64, error) {
	f, err := os.Open(statusPath)
	if err != nil {
		return 0, fmt.Errorf("reading capabilities: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapBnd:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing CapBnd: %w", err)
			}
			return n, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("reading capabilities: %w", err)
	}
	return 0, fmt.Errorf("no CapBnd line in %s", statusPath)
}
