package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestContainerLogFileStreams(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell(`echo to-out; echo to-err >&2; printf 'no newline'`))
	waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)

	// Order across the two streams is not guaranteed; within each it is.
	streams := map[string]string{}
	require.True(t, eventually(3*time.Second, func() bool {
		entries, err := readLogEntries(d.logPath(id))
		if err != nil {
			t.Logf("log file at <log_directory>/<log_path>: %v", err)
			return false
		}
		streams = map[string]string{}
		for _, e := range entries {
			streams[e.stream] += e.text
		}
		return streams["stdout"] == "to-out\nno newline" && streams["stderr"] == "to-err\n"
	}), "log streams %q (docker logs: %q)", streams, dockerLogs(d, id))
	assert.Equal(t, "to-out\nno newline", streams["stdout"])
	assert.Equal(t, "to-err\n", streams["stderr"])
}
