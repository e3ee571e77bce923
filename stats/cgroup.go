// Package stats reads container and pod resource usage straight from the
// cgroup filesystem (v1 and v2, any cgroup driver) and /proc, the way
// cAdvisor and kubelet define the values — not from `docker stats`.
package stats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Reader reads cgroup and /proc files under the given roots (the real
// ones in production, a fake tree in tests).
type Reader struct {
	CgroupRoot string // /sys/fs/cgroup
	ProcRoot   string // /proc
	SysRoot    string // /sys ("" is /sys)
}

// NewReader reads the host's cgroups and /proc.
func NewReader() *Reader {
	return &Reader{CgroupRoot: "/sys/fs/cgroup", ProcRoot: "/proc", SysRoot: "/sys"}
}

func (r *Reader) sysRoot() string {
	if r.SysRoot == "" {
		return "/sys"
	}
	return r.SysRoot
}

// Cgroup locates one process's cgroups: a path per v1 controller, or the
// unified path on v2.
type Cgroup struct {
	V2      bool
	Unified string            // v2 path, relative to the root
	V1      map[string]string // controller → path
}

// IsV2 reports whether the host runs the unified hierarchy only.
func (r *Reader) IsV2() bool {
	_, err := os.Stat(filepath.Join(r.CgroupRoot, "cgroup.controllers"))
	return err == nil
}

// CgroupOf reads /proc/<pid>/cgroup, which gives the real path whatever
// the cgroup driver (cgroupfs or systemd) placed the container at.
func (r *Reader) CgroupOf(pid int) (Cgroup, error) {
	f, err := os.Open(filepath.Join(r.ProcRoot, strconv.Itoa(pid), "cgroup"))
	if err != nil {
		return Cgroup{}, fmt.Errorf("cgroup of pid %d: %w", pid, err)
	}
	defer f.Close()
	cg := Cgroup{V2: r.IsV2(), V1: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			cg.Unified = parts[2]
			continue
		}
		for _, ctrl := range strings.Split(parts[1], ",") {
			cg.V1[ctrl] = parts[2]
		}
	}
	if err := sc.Err(); err != nil {
		return Cgroup{}, err
	}
	return cg, nil
}

func (r *Reader) v1File(cg Cgroup, ctrl, file string) string {
	return filepath.Join(r.CgroupRoot, ctrl, cg.V1[ctrl], file)
}

// WriteV2 writes value into one of a cgroup v2 cgroup's interface files
// (settings Docker has no field for, such as memory.oom.group).
func (r *Reader) WriteV2(cg Cgroup, file, value string) error {
	if !cg.V2 {
		return fmt.Errorf("%s: not a cgroup v2 cgroup", file)
	}
	if file != filepath.Base(file) || strings.HasPrefix(file, ".") {
		return fmt.Errorf("%q: not a cgroup interface file", file)
	}
	f, err := os.OpenFile(r.v2File(cg, file), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(value); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", file, err)
	}
	return f.Close()
}

func (r *Reader) v2File(cg Cgroup, file string) string {
	return filepath.Join(r.CgroupRoot, cg.Unified, file)
}

// readUint reads a file holding one number ("max" is reported as absent).
func readUint(path string) (uint64, bool, error) {
	b, err := readSmall(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, false, nil
		}
		return 0, false, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return 0, false, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", path, err)
	}
	return n, true, nil
}

// readKeyed reads a "key value" file such as memory.stat or cpu.stat.
func readKeyed(path string) (map[string]uint64, error) {
	b, err := readSmall(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return map[string]uint64{}, nil
		}
		return nil, err
	}
	out := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		if n, err := strconv.ParseUint(f[1], 10, 64); err == nil {
			out[f[0]] = n
		}
	}
	return out, sc.Err()
}

// Sample is one reading of a cgroup.
type Sample struct {
	Time time.Time

	CPUUsageNanos uint64 // cumulative CPU time, all cores

	MemoryUsage      uint64 // bytes charged, page cache included
	MemoryWorkingSet uint64 // usage minus inactive file pages
	MemoryRSS        uint64 // anonymous memory
	MemoryLimit      uint64 // 0: none
	PageFaults       uint64
	MajorPageFaults  uint64
	SwapUsage        uint64
	HasSwap          bool

	Processes uint64

	// Pressure stall information (cgroup v2 only; nil elsewhere).
	CPUPressure, MemoryPressure, IOPressure *PSI
}

// Parent is the cgroup that holds cg — a pod's cgroup, when cg is its
// pause container's — provided its last path element is base (the pod's
// cgroup parent as Docker was given it: ".../pod<uid>" with cgroupfs,
// "kubepods-…-pod<uid>.slice" with systemd). ok is false otherwise: the
// container was not placed under that parent (no cgroup parent given, or a
// cgroup namespace hides the path).
func (cg Cgroup) Parent(base string) (Cgroup, bool) {
	base = path.Base(path.Clean("/" + base))
	if base == "/" || base == "." {
		return Cgroup{}, false
	}
	parentOf := func(p string) (string, bool) {
		d := path.Dir(p)
		return d, p != "" && d != "/" && path.Base(d) == base
	}
	if cg.V2 {
		d, ok := parentOf(cg.Unified)
		return Cgroup{V2: true, Unified: d}, ok
	}
	if _, ok := parentOf(cg.V1["memory"]); !ok {
		return Cgroup{}, false
	}
	out := Cgroup{V1: make(map[string]string, len(cg.V1)), Unified: cg.Unified}
	for ctrl, p := range cg.V1 {
		out.V1[ctrl] = path.Dir(p)
	}
	return out, true
}
