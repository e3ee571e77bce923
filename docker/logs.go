package docker

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/container"
)

// LogStream reads a container's logs with Docker's timestamps, from since
// (a Unix time "sec.nsec"; "" for the start), following while the container
// runs. tty says how the stream is framed: raw for TTY containers,
// multiplexed otherwise.
func (c *Client) LogStream(ctx context.Context, id, since string, follow bool) (io.ReadCloser, error) {
	rc, err := c.api.ContainerLogs(ctx, id, container.LogsOptions{
		ShowStdout: true, ShowStderr: true, Timestamps: true, Follow: follow, Since: since,
	})
	return rc, classify(err, "logs of container %s", id)
}

// LogMessage is one message of a log stream: a line, or part of a long one
// when it does not end in "\n".
type LogMessage struct {
	Stream string // "stdout" or "stderr"
	// Line is the message with Docker's "<RFC3339Nano> " prefix.
	Line []byte
}

// LogReader splits a log stream into messages.
type LogReader struct {
	r   *bufio.Reader
	tty bool
	hdr [8]byte
}

// NewLogReader reads a stream from LogStream.
func NewLogReader(r io.Reader, tty bool) *LogReader {
	return &LogReader{r: bufio.NewReaderSize(r, 64<<10), tty: tty}
}

// Buffered reports whether more data can be read without blocking.
func (l *LogReader) Buffered() bool { return l.r.Buffered() > 0 }

// Next returns the next message; io.EOF at the end of the stream.
func (l *LogReader) Next() (LogMessage, error) {
	if l.tty {
		line, err := l.r.ReadBytes('\n')
		if len(line) > 0 {
			return LogMessage{Stream: "stdout", Line: line}, nil
		}
		return LogMessage{}, err
	}
	if _, err := io.ReadFull(l.r, l.hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return LogMessage{}, fmt.Errorf("truncated log frame header: %w", err)
		}
		return LogMessage{}, err
	}
	stream := "stdout"
	switch l.hdr[0] {
	case 1:
	case 2:
		stream = "stderr"
	default:
		return LogMessage{}, fmt.Errorf("unknown log stream %d", l.hdr[0])
	}
	n := binary.BigEndian.Uint32(l.hdr[4:])
	buf := make([]byte, n)
	if _, err := io.ReadFull(l.r, buf); err != nil {
		return LogMessage{}, fmt.Errorf("truncated log frame: %w", err)
	}
	return LogMessage{Stream: stream, Line: buf}, nil
}
