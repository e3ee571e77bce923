package stats

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
)

// PSILine is one line ("some" or "full") of a pressure file.
type PSILine struct {
	Avg10, Avg60, Avg300 float64
	Total                uint64 // microseconds stalled
}

// PSI is a cgroup's pressure for one resource.
type PSI struct {
	Some, Full PSILine
}

// readPSI reads a cgroup v2 pressure file (cpu.pressure, memory.pressure,
// io.pressure); nil where the kernel keeps none.
func readPSI(path string) (*PSI, error) {
	b, err := readSmall(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var p PSI
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		var line PSILine
		for _, kv := range fields[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			switch k {
			case "avg10":
				line.Avg10, _ = strconv.ParseFloat(v, 64)
			case "avg60":
				line.Avg60, _ = strconv.ParseFloat(v, 64)
			case "avg300":
				line.Avg300, _ = strconv.ParseFloat(v, 64)
			case "total":
				line.Total, _ = strconv.ParseUint(v, 10, 64)
			}
		}
		switch fields[0] {
		case "some":
			p.Some = line
		case "full":
			p.Full = line
		}
	}
	return &p, sc.Err()
}
