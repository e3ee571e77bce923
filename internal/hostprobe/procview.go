package hostprobe

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ErrProcessView says dockercri cannot see container processes and
// cgroups the way the host does, so container and pod stats would be
// missing or read from the wrong cgroups.
var ErrProcessView = errors.New("dockercri does not see the host's processes and cgroups")

// ProcessView checks that this process sees container processes as the
// host does: dockerd, which serves dockerSock (a unix socket path; "" skips
// that part), is visible in this PID namespace, and /proc/<pid>/cgroup of
// dockerd (or of pid 1 without a socket) names real paths, not ones that
// climb out of a cgroup namespace of dockercri's own ("/../..."). Run as a
// container, dockercri needs --pid=host and --cgroupns=host for both.
// A dockerd that does not answer yet is not an error (checked later).
func ProcessView(procRoot, dockerSock string) error {
	pid := 1
	if dockerSock != "" {
		p, err := PeerPID(dockerSock)
		switch {
		case err != nil:
			return nil // dockerd not up: nothing to tell yet
		case p == 0:
			return fmt.Errorf("%w: dockerd (serving %s) is not visible in this PID namespace; run dockercri in the host's (as a container: --pid=host)", ErrProcessView, dockerSock)
		}
		pid = p
	}
	paths, err := cgroupPaths(filepath.Join(procRoot, strconv.Itoa(pid), "cgroup"))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrProcessView, err)
	}
	for _, p := range paths {
		if p == "/.." || strings.HasPrefix(p, "/../") {
			return fmt.Errorf("%w: /proc/%d/cgroup shows %q, a path outside this process's cgroup namespace; run dockercri in the host's (as a container: --cgroupns=host)", ErrProcessView, pid, p)
		}
	}
	return nil
}

// PeerPID is the pid of the process serving the unix socket at path, as
// this PID namespace numbers it: 0 when that process is not visible here.
func PeerPID(path string) (int, error) {
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	raw, err := c.(*net.UnixConn).SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if credErr != nil {
		return 0, fmt.Errorf("SO_PEERCRED on %s: %w", path, credErr)
	}
	return int(cred.Pid), nil
}

// cgroupPaths reads the paths of a /proc/<pid>/cgroup file.
func cgroupPaths(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) == 3 {
			out = append(out, parts[2])
		}
	}
	return out, sc.Err()
}
