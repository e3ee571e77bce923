package containerlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"time"
)

// overlap is how far back a resumed stream starts before the last written
// message: Docker stamps stdout and stderr independently, so messages can
// reach the log slightly out of timestamp order.
const overlap = time.Second

// tailBytes is how much of the end of a log file is read to find where to
// resume.
const tailBytes = 1 << 20

// resumePoint says where a follower continues after its stream broke or
// dockercri restarted: at since(), skipping the lines it already wrote.
// Docker stamps every part of a long line with the same time, so identical
// lines are counted, not merely remembered.
type resumePoint struct {
	last   time.Time  // newest timestamp written
	window []seenLine // lines written within overlap of last
	bound  time.Time  // replayed lines up to here may be duplicates
	skip   map[uint64]int
}

// seenLine is a written line, by hash, with its timestamp.
type seenLine struct {
	key uint64
	ts  time.Time
}

func lineKey(line []byte) uint64 {
	h := fnv.New64a()
	_, _ = h.Write(line)
	return h.Sum64()
}

// since is where a resumed stream must start.
func (r *resumePoint) since() time.Time {
	if r.last.IsZero() {
		return time.Time{}
	}
	return r.last.Add(-overlap)
}

// restart prepares for a replay from since(): every line of the window is
// expected once more and skipped.
func (r *resumePoint) restart() {
	r.bound = r.last
	r.skip = make(map[uint64]int, len(r.window))
	for _, e := range r.window {
		r.skip[e.key]++
	}
}

// seen reports whether a replayed line was already written, consuming it.
func (r *resumePoint) seen(line []byte, ts time.Time) bool {
	if len(r.skip) == 0 || ts.After(r.bound) {
		return false
	}
	k := lineKey(line)
	if r.skip[k] > 0 {
		r.skip[k]--
		return true
	}
	return false
}

// record notes a written line, keeping only the overlap window.
func (r *resumePoint) record(line []byte, ts time.Time) {
	if ts.After(r.last) {
		r.last = ts
	}
	r.window = append(r.window, seenLine{key: lineKey(line), ts: ts})
	if len(r.window) > 2*recentLines && r.window[0].ts.Before(r.last.Add(-overlap)) {
		cut := r.last.Add(-overlap)
		i := 0
		for i < len(r.window) && r.window[i].ts.Before(cut) {
			i++
		}
		r.window = append([]seenLine(nil), r.window[i:]...)
	}
}

// resumeFromLines builds a resume point from the tail of a CRI log.
func resumeFromLines(lines [][]byte) *resumePoint {
	r := &resumePoint{}
	for _, l := range lines {
		if ts, ok := parseCRILine(l); ok && ts.After(r.last) {
			r.last = ts
		}
	}
	cut := r.last.Add(-overlap)
	for _, l := range lines {
		if ts, ok := parseCRILine(l); ok && !ts.Before(cut) {
			r.record(append(bytes.TrimRight(l, "\n"), '\n'), ts)
		}
	}
	r.restart()
	return r
}

// readTail returns the complete lines in the last tailBytes of path.
func readTail(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max(fi.Size()-tailBytes, 0)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if off > 0 {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	var lines [][]byte
	for len(buf) > 0 {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break // a torn last line is rewritten on resume
		}
		lines = append(lines, buf[:i+1])
		buf = buf[i+1:]
	}
	return lines, nil
}

// state is what a follower persists when its log file is rotated away,
// so that a restart before the next line does not start over.
type state struct {
	Version int      `json:"version"`
	Lines   []string `json:"lines"`
}

const stateVersion = 1

// saveState persists the last lines written (those within the overlap
// window of the newest) as the resume point of an empty log file.
func saveState(path string, recent [][]byte) error {
	st := state{Version: stateVersion}
	for _, l := range recent {
		st.Lines = append(st.Lines, string(l))
	}
	buf, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf, 0o600); err != nil {
		return fmt.Errorf("saving log state: %w", err)
	}
	return os.Rename(tmp, path)
}

func loadState(path string) (*resumePoint, error) {
	buf, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(buf, &st); err != nil {
		return nil, fmt.Errorf("log state %s: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("log state %s: unknown version %d", path, st.Version)
	}
	lines := make([][]byte, len(st.Lines))
	for i, l := range st.Lines {
		lines[i] = []byte(l)
	}
	return resumeFromLines(lines), nil
}
