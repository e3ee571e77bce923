package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dockercri/dockercri/internal/hostprobe"
)

// userHZ is the unit of utime and stime in /proc/<pid>/stat: USER_HZ is
// 100 on every Linux architecture Go supports.
const userHZ = 100

// rssKB is VmRSS from /proc/<pid>/status, in kB.
func rssKB(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// cpuSeconds is utime+stime of pid from /proc/<pid>/stat, in seconds.
func cpuSeconds(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: fields count from ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, err
	}
	stime, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, err
	}
	return float64(utime+stime) / userHZ, nil
}

// cpuOrZero is cpuSeconds, 0 when pid is unknown or unreadable.
func cpuOrZero(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	s, _ := cpuSeconds(pid)
	return s
}

// dockerdPID is the PID of the dockerd behind endpoint (empty:
// $DOCKER_HOST): the peer of its unix socket, else the first dockerd found.
// Two engines may run side by side (make bench ENGINE=next).
func dockerdPID(endpoint string) int {
	if endpoint == "" {
		endpoint = os.Getenv("DOCKER_HOST")
	}
	if sock, ok := strings.CutPrefix(endpoint, "unix://"); ok {
		if pid, err := hostprobe.PeerPID(sock); err == nil && pid > 0 {
			return pid
		}
	}
	return findProcess("dockerd")
}

// findProcess returns the PID of the first process whose comm is name, or
// 0 (used for dockerd, whose CPU is reported per side).
func findProcess(name string) int {
	if data, err := os.ReadFile("/var/run/docker.pid"); err == nil && name == "dockerd" {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && commOf(pid) == name {
			return pid
		}
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err == nil && commOf(pid) == name {
			return pid
		}
	}
	return 0
}

func commOf(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// cpuMeter sums the CPU seconds of a process over the windows between
// start and stop.
type cpuMeter struct {
	pid   int
	t0    float64
	total float64
}

func (m *cpuMeter) start() { m.t0 = cpuOrZero(m.pid) }
func (m *cpuMeter) stop()  { m.total += cpuOrZero(m.pid) - m.t0 }
