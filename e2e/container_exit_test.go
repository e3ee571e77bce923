package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestContainerExitZeroIsCompleted(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell("echo done"))
	st := waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
	assert.Equal(t, int32(0), st.GetExitCode())
	assert.Equal(t, "Completed", st.GetReason())
	assert.Positive(t, st.GetFinishedAt())
	// Docker may stamp a very short-lived container's start a little after
	// its exit (seen: 0.5ms); only gross inversions are errors.
	assert.GreaterOrEqual(t, st.GetFinishedAt(), st.GetStartedAt()-int64(time.Second))
	if st.GetFinishedAt() < st.GetStartedAt() {
		t.Logf("finished_at %d is before started_at %d", st.GetFinishedAt(), st.GetStartedAt())
	}
	assert.Equal(t, "done", containerOutput(t, d, id))
}

func TestContainerExitNonZeroIsError(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell("echo failing >&2; exit 3"))
	st := waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
	assert.Equal(t, int32(3), st.GetExitCode())
	assert.Equal(t, "Error", st.GetReason())
	assert.Equal(t, "failing", containerOutput(t, d, id), "stderr is logged too")
}

func TestStopContainerHonoursSIGTERM(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	// PID 1 ignores signals it has no handler for: trap TERM explicitly.
	id := runContainer(t, d, sb, sbCfg, withShell(`trap "exit 0" TERM; sleep 3600 & wait`))
	letShellSettle(t)

	start := time.Now()
	require.NoError(t, d.runtime.StopContainer(testCtx(t), id, 30))
	assert.Less(t, time.Since(start), 15*time.Second, "a container that exits on SIGTERM must not wait for the grace period")
	st := containerStatus(t, d, id)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_EXITED, st.GetState())
	assert.Equal(t, int32(0), st.GetExitCode())
	assert.Equal(t, "Completed", st.GetReason())
}

func TestStopContainerKillsAfterGracePeriod(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell(`trap "" TERM; sleep 3600`))
	letShellSettle(t)

	const grace = 3
	start := time.Now()
	require.NoError(t, d.runtime.StopContainer(testCtx(t), id, grace))
	took := time.Since(start)
	assert.GreaterOrEqual(t, took, (grace-1)*time.Second, "SIGKILL came before the grace period")
	assert.Less(t, took, (grace+15)*time.Second, "SIGKILL came long after the grace period")
	st := containerStatus(t, d, id)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_EXITED, st.GetState())
	assert.Equal(t, int32(137), st.GetExitCode(), "killed by SIGKILL")
	assert.Equal(t, "Error", st.GetReason())
}

// letShellSettle gives a just-started shell time to install its traps.
func letShellSettle(t testing.TB) {
	t.Helper()
	time.Sleep(500 * time.Millisecond)
}
