package e2e

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

var criLine = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (stdout|stderr) [PF] `)

// counterScript prints 0..n-1, one number every 10 ms.
func counterScript(n int) string {
	return fmt.Sprintf(`i=0; while [ $i -lt %d ]; do echo $i; i=$((i+1)); sleep 0.01; done`, n)
}

// checkCounter asserts the numbers 0..n-1 each appear exactly once, in order,
// across the given log files (oldest first).
func checkCounter(t *testing.T, n int, files ...string) {
	t.Helper()
	var got []int
	for _, f := range files {
		entries, err := readLogEntries(f)
		require.NoError(t, err, f)
		for _, e := range entries {
			v, err := strconv.Atoi(strings.TrimSpace(e.text))
			require.NoError(t, err, "line %q in %s", e.text, f)
			got = append(got, v)
		}
	}
	seen := map[int]int{}
	for _, v := range got {
		seen[v]++
	}
	var missing, doubled []int
	for i := range n {
		switch seen[i] {
		case 0:
			missing = append(missing, i)
		case 1:
		default:
			doubled = append(doubled, i)
		}
	}
	assert.Empty(t, missing, "numbers missing from the CRI log")
	assert.Empty(t, doubled, "numbers written more than once")
	assert.Len(t, got, n)
	for i := 1; i < len(got); i++ {
		if got[i] < got[i-1] {
			t.Errorf("log out of order at %d: %d after %d", i, got[i], got[i-1])
			break
		}
	}
}

func TestCRILogFormatIsStrict(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell(`echo out; echo err >&2; printf 'no-newline'`))
	waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
	require.True(t, eventually(5*time.Second, func() bool {
		b, _ := os.ReadFile(d.logPath(id))
		return strings.Count(string(b), "\n") >= 3
	}))
	b, err := os.ReadFile(d.logPath(id))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for _, l := range lines {
		assert.Regexp(t, criLine, l)
	}
	assert.Contains(t, string(b), " stdout F out\n")
	assert.Contains(t, string(b), " stderr F err\n")
	assert.Contains(t, string(b), " stdout P no-newline\n", "a last line without newline is partial")
}

// TestLongLineIsSplitIntoPartials: a 1 MiB line becomes P parts and an F.
func TestLongLineIsSplitIntoPartials(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell(`head -c 1048576 /dev/zero | tr '\0' x; echo`))
	waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
	var entries []logEntry
	require.True(t, eventually(10*time.Second, func() bool {
		var err error
		entries, err = readLogEntries(d.logPath(id))
		return err == nil && len(entries) > 0 && strings.HasSuffix(entries[len(entries)-1].text, "\n")
	}), "the F line never arrived")
	b, err := os.ReadFile(d.logPath(id))
	require.NoError(t, err)
	tags := regexp.MustCompile(`(?m)^\S+ stdout ([PF]) `).FindAllStringSubmatch(string(b), -1)
	require.GreaterOrEqual(t, len(tags), 2)
	for _, tg := range tags[:len(tags)-1] {
		assert.Equal(t, "P", tg[1])
	}
	assert.Equal(t, "F", tags[len(tags)-1][1])
	var text strings.Builder
	for _, e := range entries {
		text.WriteString(e.text)
	}
	got := text.String()
	assert.Equal(t, 1<<20+1, len(got), "reassembled line length")
	assert.Equal(t, strings.Repeat("x", 1<<20)+"\n", got, "reassembled line content")
}

// TestLogsSurviveDaemonKill: dockercri is SIGKILLed while a container
// prints a counter every 10 ms and restarted a second later on the same
// root; the CRI log holds every number exactly once, including those
// printed while dockercri was down.
func TestLogsSurviveDaemonKill(t *testing.T) {
	const n = 500
	d1 := startDaemon(t)
	sb, sbCfg := runSandbox(t, d1)
	id := runContainer(t, d1, sb, sbCfg, withShell(counterScript(n)))
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, d1.cmd.Process.Kill())
	<-d1.done
	time.Sleep(time.Second)

	d2 := startDaemon(t, withRootDir(d1.rootDir))
	d2.setLogPath(id, d1.logPath(id))
	st := waitContainerState(t, d2, id, runtimeapi.ContainerState_CONTAINER_EXITED, 2*time.Minute)
	require.Equal(t, int32(0), st.GetExitCode())
	require.True(t, eventually(10*time.Second, func() bool {
		entries, _ := readLogEntries(d1.logPath(id))
		return len(entries) >= n
	}), "log did not catch up")
	time.Sleep(500 * time.Millisecond) // anything doubled would land now
	checkCounter(t, n, d1.logPath(id))
	require.NoError(t, d2.runtime.RemoveContainer(testCtx(t), id))
}

// TestLogRotationReopen: kubelet rotates by renaming the file and calling
// ReopenContainerLog; under a steady stream, nothing is lost or doubled
// around two rotations.
func TestLogRotationReopen(t *testing.T) {
	const n = 500
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell(counterScript(n)))
	path := d.logPath(id)
	for i := 1; i <= 2; i++ {
		time.Sleep(1200 * time.Millisecond)
		require.NoError(t, os.Rename(path, fmt.Sprintf("%s.%d", path, i)))
		require.NoError(t, d.runtime.ReopenContainerLog(testCtx(t), id))
	}
	waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, 2*time.Minute)
	files := []string{path + ".1", path + ".2", path}
	require.True(t, eventually(10*time.Second, func() bool {
		total := 0
		for _, f := range files {
			e, _ := readLogEntries(f)
			total += len(e)
		}
		return total >= n
	}))
	for _, f := range files[:2] {
		e, err := readLogEntries(f)
		require.NoError(t, err)
		assert.NotEmpty(t, e, "%s should hold the lines before its rotation", f)
	}
	checkCounter(t, n, files...)

	err := d.runtime.ReopenContainerLog(testCtx(t), id)
	assert.Error(t, err, "reopening the log of an exited container")
}

// TestLogsSurviveEngineOutage: the Docker connection drops while a
// container logs (as when dockerd restarts with live-restore); the
// follower resumes and nothing is lost or doubled.
func TestLogsSurviveEngineOutage(t *testing.T) {
	const n = 400
	proxy := startEngineProxy(t)
	d := startDaemon(t, withFlags("--docker-endpoint", proxy.endpoint()))
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell(counterScript(n)))
	time.Sleep(time.Second)
	proxy.down()
	time.Sleep(1500 * time.Millisecond)
	proxy.up(t)
	waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, 2*time.Minute)
	require.True(t, eventually(15*time.Second, func() bool {
		e, _ := readLogEntries(d.logPath(id))
		return len(e) >= n
	}))
	time.Sleep(500 * time.Millisecond)
	checkCounter(t, n, d.logPath(id))
}
