package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/pkg/stdcopy"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/shim"
)

// The duty floor: the raw side's calls plus the work that any CRI adapter
// over Docker must do besides forwarding them, to keep the promises
// dockercri keeps:
//   - a CRI-format log file per container, which only a Docker log stream
//     can fill (one follow stream per container, from start to exit);
//   - List calls served from memory, which only Docker's event stream can
//     keep current (one stream, with dockercri's filter);
//   - a sandbox checkpoint file, fsynced (cri-dockerd's contract, and what
//     lets a restarted adapter find its pods' networks).
//
// The bench itself does that work in the duty rounds (interleaved with the
// other two sides) with the bare Docker SDK client; its CPU there, plus the
// canned gRPC server's for the 7 answers, is the least an adapter with
// those duties spends. What dockercri does beyond it is its own choice
// (e.g. an inspect after each create for read-your-writes).

const sideDuty = "raw+duties"

// dutyWatch consumes Docker's events as dockercri's index does, for the
// length of one duty round.
type dutyWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	events int
}

func (b *bench) startDutyWatch(ctx context.Context) *dutyWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &dutyWatch{cancel: cancel, done: make(chan struct{})}
	msgs, errs := b.docker.Events(ctx, events.ListOptions{Filters: shim.WatchedEvents.Args()})
	go func() {
		defer close(w.done)
		for {
			select {
			case <-msgs:
				w.events++
			case <-errs:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return w
}

func (w *dutyWatch) stop() int {
	w.cancel()
	<-w.done
	return w.events
}

// dutyLifecycle is rawLifecycle plus the duties, untimed (its latencies
// are not the point; its CPU is).
func (b *bench) dutyLifecycle(ctx context.Context, _ string, p *pod) error {
	sbSpec, err := b.sandboxSpec(p)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*callTimeout)
	defer cancel()
	sid, err := b.rawCreate(ctx, sbSpec)
	if err != nil {
		return fmt.Errorf("%s sandbox create: %w", sideDuty, err)
	}
	cp := filepath.Join(b.tmp, "checkpoints", sid)
	if err := writeCheckpoint(cp, p.sandbox); err != nil {
		return err
	}
	if err := b.docker.ContainerStart(ctx, sid, container.StartOptions{}); err != nil {
		return fmt.Errorf("%s sandbox start: %w", sideDuty, err)
	}
	cSpec, err := b.containerSpec(p, sid)
	if err != nil {
		return err
	}
	cid, err := b.rawCreate(ctx, cSpec)
	if err != nil {
		return fmt.Errorf("%s create: %w", sideDuty, err)
	}
	logPath := filepath.Join(p.sandbox.LogDirectory, p.container.LogPath)
	logFile, err := createLogFile(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	if err := b.docker.ContainerStart(ctx, cid, container.StartOptions{}); err != nil {
		return fmt.Errorf("%s start: %w", sideDuty, err)
	}
	followed := make(chan error, 1)
	go func() { followed <- b.followLog(ctx, cid, logFile) }()
	steps := []func() error{
		func() error { return b.docker.ContainerStop(ctx, cid, container.StopOptions{Timeout: ptr(0)}) },
		func() error { return <-followed }, // the stream ends at the exit
		func() error {
			return b.docker.ContainerRemove(ctx, cid, container.RemoveOptions{Force: true, RemoveVolumes: true})
		},
		func() error {
			return b.docker.ContainerStop(ctx, sid, container.StopOptions{Timeout: ptr(sandboxStopGrace)})
		},
		func() error {
			return b.docker.ContainerRemove(ctx, sid, container.RemoveOptions{Force: true, RemoveVolumes: true})
		},
		func() error { return os.Remove(cp) },
	}
	for i, s := range steps {
		if err := s(); err != nil {
			return fmt.Errorf("%s step %d: %w", sideDuty, i, err)
		}
	}
	return nil
}

// writeCheckpoint writes a checkpoint-sized JSON document as dockercri
// does: temp file, fsync, rename.
func writeCheckpoint(path string, cfg *runtimeapi.PodSandboxConfig) error {
	buf, err := json.Marshal(struct {
		Version   string            `json:"version"`
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		UID       string            `json:"uid"`
		Labels    map[string]string `json:"labels"`
	}{"v1", cfg.Metadata.Name, cfg.Metadata.Namespace, cfg.Metadata.Uid, cfg.Labels})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func createLogFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
}

// followLog copies container id's log stream into f in CRI format until
// the stream ends (the container exited).
func (b *bench) followLog(ctx context.Context, id string, f *os.File) error {
	rc, err := b.docker.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: true, Timestamps: true})
	if err != nil {
		return fmt.Errorf("%s logs: %w", sideDuty, err)
	}
	defer rc.Close()
	var mu sync.Mutex
	_, err = stdcopy.StdCopy(&criLines{f: f, stream: "stdout", mu: &mu}, &criLines{f: f, stream: "stderr", mu: &mu}, rc)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s logs: %w", sideDuty, err)
	}
	return nil
}

// criLines turns Docker's timestamped lines ("<ts> <text>\n") into CRI
// log lines ("<ts> <stream> F <text>\n").
type criLines struct {
	f      *os.File
	stream string
	mu     *sync.Mutex
}

func (w *criLines) Write(p []byte) (int, error) {
	var out bytes.Buffer
	for line := range bytes.SplitAfterSeq(p, []byte("\n")) {
		if len(line) == 0 {
			continue // after the last newline
		}
		ts, text, _ := bytes.Cut(line, []byte(" "))
		out.Write(ts)
		out.WriteString(" " + w.stream + " F ")
		out.Write(text)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}
