package stats

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Interface is one network interface's counters.
type Interface struct {
	Name              string
	RxBytes, RxErrors uint64
	TxBytes, TxErrors uint64
}

// NetDev reads the interfaces of the network namespace process pid is in
// (/proc/<pid>/net/dev), loopback excluded.
func (r *Reader) NetDev(pid int) ([]Interface, error) {
	b, err := readSmall(filepath.Join(r.ProcRoot, strconv.Itoa(pid), "net", "dev"))
	if err != nil {
		return nil, fmt.Errorf("network stats of pid %d: %w", pid, err)
	}
	var out []Interface
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		fields := strings.Fields(rest)
		if name == "lo" || len(fields) < 11 {
			continue
		}
		n := func(i int) uint64 { v, _ := strconv.ParseUint(fields[i], 10, 64); return v }
		out = append(out, Interface{Name: name, RxBytes: n(0), RxErrors: n(2), TxBytes: n(8), TxErrors: n(10)})
	}
	return out, sc.Err()
}
