package hostprobe

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultSecurityFS is where securityfs is mounted.
const DefaultSecurityFS = "/sys/kernel/security"

// AppArmorProfileLoaded reports whether the kernel has an AppArmor profile
// called name loaded, from securityfs' apparmor/profiles ("name (mode)"
// lines) under dir ("" is DefaultSecurityFS). enabled is false where the
// kernel has no AppArmor (no such file): then there is nothing to check.
func AppArmorProfileLoaded(dir, name string) (loaded, enabled bool, err error) {
	if dir == "" {
		dir = DefaultSecurityFS
	}
	b, err := os.ReadFile(filepath.Join(dir, "apparmor", "profiles"))
	if errors.Is(err, os.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, true, fmt.Errorf("reading the loaded AppArmor profiles: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		// The name may hold spaces; the mode is the last field.
		if i := strings.LastIndex(line, " ("); i > 0 && line[:i] == name {
			return true, true, nil
		}
	}
	return false, true, sc.Err()
}
