package stats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Extended is what a cgroup tells beyond a Sample, read for the
// cAdvisor-style metrics only (the stats RPCs do not carry it): CPU
// throttling, OOM kills and block I/O per device.
type Extended struct {
	CPUPeriods          uint64 // enforcement periods that elapsed (CFS quota set)
	CPUThrottledPeriods uint64
	CPUThrottledNanos   uint64
	OOMKills            uint64 // processes the OOM killer killed in the cgroup
	IO                  []DeviceIO
}

// DeviceIO is one block device's I/O by the cgroup.
type DeviceIO struct {
	Major, Minor          uint64
	ReadBytes, WriteBytes uint64
	ReadOps, WriteOps     uint64
}

// ReadExtended reads a cgroup's throttling, OOM and I/O counters (v2:
// v2.go). Files a kernel does not have count as zero.
func (r *Reader) ReadExtended(cg Cgroup) (Extended, error) {
	var x Extended
	if cg.V2 {
		return r.readExtendedV2(cg)
	}
	cpu, err := readKeyed(r.v1File(cg, "cpu", "cpu.stat"))
	if err != nil {
		return x, fmt.Errorf("cpu.stat: %w", err)
	}
	x.CPUPeriods, x.CPUThrottledPeriods, x.CPUThrottledNanos = cpu["nr_periods"], cpu["nr_throttled"], cpu["throttled_time"]
	oom, err := readKeyed(r.v1File(cg, "memory", "memory.oom_control"))
	if err != nil {
		return x, fmt.Errorf("memory.oom_control: %w", err)
	}
	x.OOMKills = oom["oom_kill"]
	x.IO, err = readBlkio(r.v1File(cg, "blkio", "blkio.throttle.io_service_bytes_recursive"),
		r.v1File(cg, "blkio", "blkio.throttle.io_serviced_recursive"))
	return x, err
}

// readBlkio reads cgroup v1's blkio.throttle files of bytes and ops
// ("8:0 Read 123" lines), merged by device.
func readBlkio(bytesPath, opsPath string) ([]DeviceIO, error) {
	byDev := map[[2]uint64]*DeviceIO{}
	var order [][2]uint64
	read := func(path string, set func(d *DeviceIO, op string, n uint64)) error {
		b, err := readSmall(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 3 {
				continue // the "Total N" line
			}
			d, ok := parseDevice(f[0])
			n, err := strconv.ParseUint(f[2], 10, 64)
			if !ok || err != nil {
				continue
			}
			key := [2]uint64{d.Major, d.Minor}
			if byDev[key] == nil {
				byDev[key] = &d
				order = append(order, key)
			}
			set(byDev[key], f[1], n)
		}
		return sc.Err()
	}
	if err := read(bytesPath, func(d *DeviceIO, op string, n uint64) {
		switch op {
		case "Read":
			d.ReadBytes = n
		case "Write":
			d.WriteBytes = n
		}
	}); err != nil {
		return nil, err
	}
	if err := read(opsPath, func(d *DeviceIO, op string, n uint64) {
		switch op {
		case "Read":
			d.ReadOps = n
		case "Write":
			d.WriteOps = n
		}
	}); err != nil {
		return nil, err
	}
	var out []DeviceIO
	for _, k := range order {
		out = append(out, *byDev[k])
	}
	return out, nil
}

func parseDevice(s string) (DeviceIO, bool) {
	maj, min, ok := strings.Cut(s, ":")
	if !ok {
		return DeviceIO{}, false
	}
	a, err1 := strconv.ParseUint(maj, 10, 64)
	b, err2 := strconv.ParseUint(min, 10, 64)
	return DeviceIO{Major: a, Minor: b}, err1 == nil && err2 == nil
}

// DeviceName is the /dev name of a block device (as cAdvisor labels its
// I/O metrics), or "major:minor" when sysfs does not say.
func (r *Reader) DeviceName(major, minor uint64) string {
	id := fmt.Sprintf("%d:%d", major, minor)
	b, err := readSmall(filepath.Join(r.sysRoot(), "dev", "block", id, "uevent"))
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "DEVNAME="); ok && name != "" {
				return "/dev/" + name
			}
		}
	}
	return id
}
