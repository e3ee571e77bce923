package shim

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/containerlog"
	"github.com/dockercri/dockercri/docker/dockertest"
	"github.com/dockercri/dockercri/store"
)

// withTickingClock gives every engine timestamp its own millisecond.
func withTickingClock() envOpt {
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	return withEngineOptions(dockertest.WithClock(func() time.Time {
		now = now.Add(time.Millisecond) // called under the engine's lock
		return now
	}))
}

// withLogManager replaces the env's service by one that writes CRI logs
// with a manager keeping its state in stateDir (as cmd/dockercri builds
// them: the manager first, on the store the service then gets), started.
func (e *testEnv) withLogManager(t *testing.T, stateDir string) *containerlog.Manager {
	t.Helper()
	containers := store.NewContainers()
	m, err := containerlog.NewManager(NewLogEngine(e.engine, containers), stateDir)
	require.NoError(t, err)
	t.Cleanup(m.Close)
	cfg, host := e.svc.cfg, e.svc.hostLimits()
	e.svc.Close()
	svc, err := newTestServiceWith(t, cfg, Deps{Engine: e.engine, Host: host, Containers: containers, Logs: m})
	require.NoError(t, err)
	svc.Start(context.Background())
	e.svc = svc
	e.waitSynced(t)
	return m
}

// startedContainer runs a sandbox and a started container, returning the
// container id and its CRI log path.
func (e *testEnv) startedContainer(t *testing.T) (string, string) {
	t.Helper()
	sbCfg := e.sandboxConfig()
	sb := e.runSandbox(t, sbCfg)
	id := e.createContainer(t, sb, sbCfg, containerConfig())
	_, err := e.svc.StartContainer(context.Background(), &runtimeapi.StartContainerRequest{ContainerId: id})
	require.NoError(t, err)
	return id, sbCfg.LogDirectory + "/app/0.log"
}

func logLines(t *testing.T, path string) []string {
	t.Helper()
	buf, err := os.ReadFile(path)
	require.NoError(t, err)
	s := strings.TrimSuffix(string(buf), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// texts strips the timestamps of CRI log lines.
func texts(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		_, rest, _ := strings.Cut(l, " ")
		out[i] = rest
	}
	return out
}

func stopAndWait(t *testing.T, env *testEnv, m *containerlog.Manager, id string) {
	t.Helper()
	ctx := context.Background()
	_, err := env.svc.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: id})
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, m.Wait(wctx, id))
}

func TestContainerLogWritten(t *testing.T) {
	env := newTestEnv(t, withTickingClock())
	m := env.withLogManager(t, t.TempDir())
	id, path := env.startedContainer(t)
	require.NoError(t, env.engine.AppendLog(id, "stdout", "hello\n"))
	require.NoError(t, env.engine.AppendLog(id, "stderr", "partial"))
	require.NoError(t, env.engine.AppendLog(id, "stdout", "world\n"))
	stopAndWait(t, env, m, id)

	lines := logLines(t, path)
	assert.Equal(t, []string{"stdout F hello", "stderr P partial", "stdout F world"}, texts(lines))
	for _, l := range lines {
		ts, _, _ := strings.Cut(l, " ")
		_, err := time.Parse(time.RFC3339Nano, ts)
		assert.NoError(t, err, "line %q starts with an RFC 3339 time", l)
	}
}

func TestReopenContainerLog(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t, withTickingClock())
	m := env.withLogManager(t, t.TempDir())
	id, path := env.startedContainer(t)
	require.NoError(t, env.engine.AppendLog(id, "stdout", "before\n"))
	require.Eventually(t, func() bool { return len(logLines(t, path)) == 1 }, 5*time.Second, 10*time.Millisecond)

	require.NoError(t, os.Rename(path, path+".1"))
	_, err := env.svc.ReopenContainerLog(ctx, &runtimeapi.ReopenContainerLogRequest{ContainerId: id})
	require.NoError(t, err)
	require.NoError(t, env.engine.AppendLog(id, "stdout", "after\n"))
	stopAndWait(t, env, m, id)

	assert.Equal(t, []string{"stdout F before"}, texts(logLines(t, path+".1")))
	assert.Equal(t, []string{"stdout F after"}, texts(logLines(t, path)))

	_, err = env.svc.ReopenContainerLog(ctx, &runtimeapi.ReopenContainerLogRequest{ContainerId: id})
	assert.Equal(t, codes.FailedPrecondition, codeOf(err), "a stopped container's log cannot be reopened")
	_, err = env.svc.ReopenContainerLog(ctx, &runtimeapi.ReopenContainerLogRequest{ContainerId: strings.Repeat("e", 64)})
	assert.Equal(t, codes.NotFound, codeOf(err))
}

// DESIGN.md: nothing lost or doubled across a dockercri restart.
func TestContainerLogSurvivesRestart(t *testing.T) {
	env := newTestEnv(t, withTickingClock())
	state := t.TempDir()
	first := env.withLogManager(t, state)
	id, path := env.startedContainer(t)
	require.NoError(t, env.engine.AppendLog(id, "stdout", "a\n"))
	require.NoError(t, env.engine.AppendLog(id, "stdout", "b\n"))
	require.Eventually(t, func() bool { return len(logLines(t, path)) == 2 }, 5*time.Second, 10*time.Millisecond)
	first.Close() // dockercri stops

	require.NoError(t, env.engine.AppendLog(id, "stdout", "c\n")) // printed while it is down

	second := env.withLogManager(t, state) // dockercri starts again
	require.NoError(t, env.engine.AppendLog(id, "stdout", "d\n"))
	stopAndWait(t, env, second, id)

	assert.Equal(t, []string{"stdout F a", "stdout F b", "stdout F c", "stdout F d"}, texts(logLines(t, path)))
}
