package dockertest

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/pkg/stdcopy"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// dockerLogTime is how Docker stamps log lines (fixed-width RFC 3339).
const dockerLogTime = "2006-01-02T15:04:05.000000000Z07:00"

type logEntry struct {
	at     time.Time
	stream string // "stdout" or "stderr"
	text   string
}

// AppendLog records output of container id, stamped now, as if its process
// wrote text (include the "\n") to stream ("stdout" or "stderr").
func (e *Engine) AppendLog(id, stream, text string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.lookup(id)
	if err != nil {
		return err
	}
	if e.logs == nil {
		e.logs = map[string][]logEntry{}
	}
	e.logs[c.ID] = append(e.logs[c.ID], logEntry{at: e.now().UTC(), stream: stream, text: text})
	e.changed()
	return nil
}

// changed wakes log followers. The caller holds e.mu.
func (e *Engine) changed() {
	if e.wake != nil {
		close(e.wake)
	}
	e.wake = make(chan struct{})
}

// parseSince reads Docker's "sec[.nsec]" (or RFC 3339) since value.
func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, errdefs.InvalidArgument("invalid value for \"since\": %q", s)
	}
	var ns int64
	if frac != "" {
		frac = (frac + "000000000")[:9]
		if ns, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, errdefs.InvalidArgument("invalid value for \"since\": %q", s)
		}
	}
	return time.Unix(n, ns), nil
}

// LogStream streams the container's log with timestamps from since
// (inclusive), raw for a TTY container and multiplexed otherwise. With
// follow it waits for more until the container stops or ctx ends.
func (e *Engine) LogStream(ctx context.Context, id, since string, follow bool) (io.ReadCloser, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enter(ctx, "LogStream"); err != nil {
		return nil, err
	}
	c, err := e.lookup(id)
	if err != nil {
		return nil, err
	}
	from, err := parseSince(since)
	if err != nil {
		return nil, err
	}
	if e.wake == nil {
		e.changed()
	}
	cid, tty := c.ID, c.Config.Tty
	pr, pw := io.Pipe()
	go func() {
		sent := 0
		for {
			e.mu.Lock()
			all := e.logs[cid]
			sent = min(sent, len(all))
			entries := append([]logEntry(nil), all[sent:]...)
			c, alive := e.containers[cid]
			running := alive && c.State.Running
			wake := e.wake
			e.mu.Unlock()
			sent += len(entries)
			for _, l := range entries {
				if l.at.Before(from) {
					continue
				}
				line := l.at.Format(dockerLogTime) + " " + l.text
				var w io.Writer = pw
				if !tty {
					kind := stdcopy.Stdout
					if l.stream == "stderr" {
						kind = stdcopy.Stderr
					}
					w = stdcopy.NewStdWriter(pw, kind)
				}
				if _, err := io.WriteString(w, line); err != nil {
					return // reader closed
				}
			}
			if !follow || !running {
				pw.Close()
				return
			}
			select {
			case <-wake:
			case <-ctx.Done():
				pw.CloseWithError(ctx.Err())
				return
			}
		}
	}()
	return pr, nil
}
