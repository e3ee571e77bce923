// Package containerlog writes container logs in the CRI format that kubelet
// reads (<RFC3339Nano> <stream> <P|F> <text>) from Docker's log stream.
//
// One follower per container streams Docker's logs with timestamps and
// appends them to the file kubelet asked for. It resumes from the last
// message it wrote (read back from the file, or from a small state file after
// a rotation), so nothing is lost or doubled across dockercri or dockerd
// restarts, and lines written while dockercri was down appear once it is
// back.
package containerlog

import (
	"bytes"
	"fmt"
	"time"
)

// Tags of CRI log lines: a full line, or part of a long one.
const (
	tagFull    = "F"
	tagPartial = "P"
)

// message is one decoded Docker log message.
type message struct {
	ts     time.Time
	rawTS  []byte // Docker's own rendering, written unchanged
	stream string
	text   []byte // without the trailing newline
	full   bool   // ended in a newline
}

// parseMessage splits Docker's "<ts> <text>" message.
func parseMessage(stream string, line []byte) (message, error) {
	i := bytes.IndexByte(line, ' ')
	if i <= 0 {
		return message{}, fmt.Errorf("log message without timestamp: %.40q", line)
	}
	ts, err := time.Parse(time.RFC3339Nano, string(line[:i]))
	if err != nil {
		return message{}, fmt.Errorf("log message timestamp: %w", err)
	}
	text := line[i+1:]
	m := message{ts: ts, rawTS: line[:i], stream: stream}
	if n := len(text); n > 0 && text[n-1] == '\n' {
		m.full = true
		text = text[:n-1]
		if n := len(text); n > 0 && text[n-1] == '\r' {
			text = text[:n-1]
		}
	}
	m.text = text
	return m, nil
}

// criLine renders m as one CRI log line (with its newline).
func (m message) criLine() []byte {
	tag := tagPartial
	if m.full {
		tag = tagFull
	}
	out := make([]byte, 0, len(m.rawTS)+len(m.stream)+len(m.text)+5)
	out = append(out, m.rawTS...)
	out = append(out, ' ')
	out = append(out, m.stream...)
	out = append(out, ' ')
	out = append(out, tag...)
	out = append(out, ' ')
	out = append(out, m.text...)
	return append(out, '\n')
}

// parseCRILine reads the timestamp of a CRI log line.
func parseCRILine(line []byte) (time.Time, bool) {
	i := bytes.IndexByte(line, ' ')
	if i <= 0 {
		return time.Time{}, false
	}
	ts, err := time.Parse(time.RFC3339Nano, string(line[:i]))
	return ts, err == nil
}
