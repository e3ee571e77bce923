package containerlog

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/dockercri/dockercri/docker"
)

// recentLines is how many of the last written lines a follower keeps for
// its state file.
const recentLines = 256

// follower copies one container's Docker log stream into its CRI log file.
type follower struct {
	id, path, statePath string
	tty                 bool
	log                 *logrus.Entry

	mu     sync.Mutex // guards everything below; held while writing
	f      *os.File
	w      *bufio.Writer
	resume *resumePoint
	recent [][]byte

	cancel context.CancelFunc
	done   chan struct{}
}

// open prepares the log file and the resume point. A symlink at the path
// (cri-dockerd's link to Docker's json log) is replaced by a real file.
func (fl *follower) open() error {
	if fi, err := os.Lstat(fl.path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		if err := os.Remove(fl.path); err != nil {
			return fmt.Errorf("replacing log link %s: %w", fl.path, err)
		}
	}
	lines, err := readTail(fl.path)
	if err != nil {
		return fmt.Errorf("reading log %s: %w", fl.path, err)
	}
	if len(lines) > 0 {
		fl.resume = resumeFromLines(lines)
	} else if fl.resume, err = loadState(fl.statePath); err != nil {
		fl.log.WithError(err).Warn("ignoring unreadable log state")
	}
	if fl.resume == nil {
		fl.resume = &resumePoint{}
	}
	return fl.openFile()
}

func (fl *follower) openFile() error {
	if err := os.MkdirAll(filepath.Dir(fl.path), 0o755); err != nil {
		return fmt.Errorf("log directory: %w", err)
	}
	f, err := os.OpenFile(fl.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("opening log %s: %w", fl.path, err)
	}
	fl.f, fl.w = f, bufio.NewWriterSize(f, 64<<10)
	return nil
}

// run follows the stream until the container has exited and everything
// is written, the container is gone, or ctx ends. A broken stream (dockerd
// restarting) is resumed where it stopped.
func (fl *follower) run(ctx context.Context, engine Engine) {
	defer close(fl.done)
	defer fl.closeFile()
	backoff := 100 * time.Millisecond
	for {
		err := fl.copyStream(ctx, engine, true)
		if ctx.Err() != nil {
			return
		}
		running, ierr := engine.Running(ctx, fl.id, err == nil)
		switch {
		case docker.IsNotFound(ierr):
			return
		case ierr == nil && err == nil && !running:
			// Docker can end a follow stream at the exit before its log
			// copier has written the last (partial) line: read once more.
			if err := fl.copyStream(ctx, engine, false); err != nil {
				fl.log.WithError(err).Debug("final log read")
			}
			return // exited and fully copied
		case err != nil:
			fl.log.WithError(err).Debug("log stream broke; resuming")
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// copyStream copies one Docker log stream (following it while the
// container runs, when follow) to its end.
func (fl *follower) copyStream(ctx context.Context, engine Engine, follow bool) error {
	fl.mu.Lock()
	fl.resume.restart()
	since := fl.resume.since()
	fl.mu.Unlock()
	sinceArg := ""
	if !since.IsZero() {
		sinceArg = fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond())
	}
	rc, err := engine.LogStream(ctx, fl.id, sinceArg, follow)
	if err != nil {
		return err
	}
	defer rc.Close()
	r := docker.NewLogReader(rc, fl.tty)
	for {
		msg, err := r.Next()
		if errors.Is(err, io.EOF) {
			return fl.flush()
		}
		if err != nil {
			_ = fl.flush()
			return err
		}
		m, err := parseMessage(msg.Stream, msg.Line)
		if err != nil {
			fl.log.WithError(err).Warn("skipping malformed log message")
			continue
		}
		if err := fl.write(m, !r.Buffered()); err != nil {
			return err
		}
	}
}

// write appends one message unless it was written before the resume.
func (fl *follower) write(m message, flush bool) error {
	line := m.criLine()
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.resume.seen(line, m.ts) {
		return nil
	}
	if _, err := fl.w.Write(line); err != nil {
		return fmt.Errorf("writing log %s: %w", fl.path, err)
	}
	fl.resume.record(line, m.ts)
	if len(fl.recent) == recentLines {
		fl.recent = fl.recent[1:]
	}
	fl.recent = append(fl.recent, line)
	if flush {
		return fl.flushLocked()
	}
	return nil
}

func (fl *follower) flush() error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.flushLocked()
}

func (fl *follower) flushLocked() error {
	if fl.w == nil {
		return nil
	}
	if err := fl.w.Flush(); err != nil {
		return fmt.Errorf("writing log %s: %w", fl.path, err)
	}
	return nil
}

// reopen closes the log file and opens the path again (kubelet renamed the
// old file away); the resume point is saved first so that a restart before
// the next line does not write everything again.
func (fl *follower) reopen() error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if err := fl.flushLocked(); err != nil {
		return err
	}
	if err := saveState(fl.statePath, fl.recent); err != nil {
		return err
	}
	if fl.f != nil {
		_ = fl.f.Close()
	}
	return fl.openFile()
}

func (fl *follower) closeFile() {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	_ = fl.flushLocked()
	if fl.f != nil {
		_ = fl.f.Close()
		fl.f, fl.w = nil, nil
	}
	if len(fl.recent) > 0 {
		if err := saveState(fl.statePath, fl.recent); err != nil {
			fl.log.WithError(err).Warn("saving log state")
		}
	}
	// A finished follower stays registered only to answer Reopen; drop
	// what it no longer needs.
	fl.recent, fl.resume = nil, &resumePoint{}
}
