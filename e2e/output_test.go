package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// containerOutput waits for container id to exit and returns what it wrote
// to stdout and stderr, read from its CRI log file
// (<log_directory>/<log_path>) — the file kubelet reads, which must be in
// CRI format. Surrounding whitespace is trimmed.
func containerOutput(t testing.TB, d *daemon, id string) string {
	t.Helper()
	waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, 60*time.Second)
	path := d.logPath(id)
	if path == "" {
		t.Fatalf("containerOutput(%s): not created by createContainer, log path unknown", id)
	}
	var out string
	var err error
	// The log writer may lag the exit a little.
	eventually(3*time.Second, func() bool {
		out, err = readCRILog(path)
		return err == nil && out != ""
	})
	if err != nil {
		t.Fatalf("container %s log %s: %v\n(docker logs says: %q)", id, path, err, dockerLogs(d, id))
	}
	return strings.TrimSpace(out)
}

// logEntry is one decoded log line.
type logEntry struct {
	stream string // stdout or stderr
	text   string // with its trailing newline, unless a partial (P) CRI line
}

// readCRILog reads a container log file in CRI or Docker json-file format
// and returns the text of all its lines.
func readCRILog(path string) (string, error) {
	entries, err := readLogEntries(path)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.text)
	}
	return b.String(), nil
}

// readLogEntries decodes every line of a log file in CRI or json-file format.
func readLogEntries(path string) ([]logEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var entries []logEntry
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			e, perr := parseLogLine(line)
			if perr != nil {
				return nil, fmt.Errorf("line %d: %w: %q", n, perr, line)
			}
			entries = append(entries, e)
		}
		if err == io.EOF {
			return entries, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// parseLogLine decodes one log line.
//
//	CRI:       2016-10-06T00:17:09.669794202Z stdout F the text
//	json-file: {"log":"the text\n","stream":"stdout","time":"..."}
func parseLogLine(line []byte) (logEntry, error) {
	line = bytes.TrimRight(line, "\n")
	parts := strings.SplitN(string(line), " ", 4)
	if len(parts) < 3 {
		return logEntry{}, fmt.Errorf("not a CRI log line")
	}
	if _, err := time.Parse(time.RFC3339Nano, parts[0]); err != nil {
		return logEntry{}, fmt.Errorf("bad CRI timestamp: %w", err)
	}
	if parts[1] != "stdout" && parts[1] != "stderr" {
		return logEntry{}, fmt.Errorf("bad CRI stream %q", parts[1])
	}
	e := logEntry{stream: parts[1]}
	if len(parts) == 4 {
		e.text = parts[3]
	}
	switch parts[2] {
	case "F":
		e.text += "\n"
	case "P":
	default:
		return logEntry{}, fmt.Errorf("bad CRI tag %q", parts[2])
	}
	return e, nil
}

// dockerLogs returns Docker's own view of the container's output; used only
// to make log-file failures easier to diagnose.
func dockerLogs(d *daemon, id string) string {
	ctx, cancel := cleanupCtx()
	defer cancel()
	rc, err := d.docker.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "error: " + err.Error()
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil {
		return "error: " + err.Error()
	}
	return out.String()
}
