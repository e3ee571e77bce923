package shim

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/stats"
	"github.com/dockercri/dockercri/store"
)

// fakeCgroupV2 is a cgroup v2 tree and /proc of plain files (inotify
// works on them as on cgroupfs) holding one process in cgroup /pod/ctr.
type fakeCgroupV2 struct {
	reader *stats.Reader
	dir    string // the container's cgroup directory
}

func newFakeCgroupV2(t *testing.T, pid int) *fakeCgroupV2 {
	t.Helper()
	root := t.TempDir()
	f := &fakeCgroupV2{
		reader: &stats.Reader{CgroupRoot: filepath.Join(root, "cgroup"), ProcRoot: filepath.Join(root, "proc")},
		dir:    filepath.Join(root, "cgroup", "pod", "ctr"),
	}
	procDir := filepath.Join(f.reader.ProcRoot, strconv.Itoa(pid))
	require.NoError(t, os.MkdirAll(procDir, 0o755))
	require.NoError(t, os.MkdirAll(f.dir, 0o755))
	f.write(t, filepath.Join(f.reader.CgroupRoot, "cgroup.controllers"), "cpu io memory pids\n")
	f.write(t, filepath.Join(procDir, "cgroup"), "0::/pod/ctr\n")
	f.write(t, filepath.Join(f.dir, "memory.events"), "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n")
	f.write(t, filepath.Join(f.dir, "cgroup.events"), "populated 1\nfrozen 0\n")
	return f
}

func (f *fakeCgroupV2) write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// TestOOMWatchResumesAfterRestart: a container that was running when
// dockercri started is watched like one it started itself: an OOM kill in
// its cgroup v2 afterwards makes its status OOMKilled once it exits, even
// though the engine (as Docker 20.10 on cgroup v2 can) reports none.
func TestOOMWatchResumesAfterRestart(t *testing.T) {
	env := newTestEnv(t)
	id, _ := env.startedContainer(t)
	in, err := env.engine.InspectContainer(context.Background(), id)
	require.NoError(t, err)

	cg := newFakeCgroupV2(t, in.State.Pid)
	env.restart(t, func(d *Deps) { d.Cgroups = cg.reader })
	// The watch is up once the start-up work is done; the kill may come at
	// any time after, so it is written until the store has it.
	require.Eventually(t, func() bool {
		cg.write(t, filepath.Join(cg.dir, "memory.events"), "low 0\nhigh 0\nmax 1\noom 1\noom_kill 1\n")
		st, ok := env.svc.containers.Stats(id)
		return ok && st.OOMKills == 1
	}, 5*time.Second, 50*time.Millisecond, "the OOM kill never reached the store")

	require.NoError(t, env.engine.SetExited(id, 137, false))
	st := env.exitedStatus(t, id)
	assert.Equal(t, "OOMKilled", st.Reason)
	assert.Equal(t, int32(137), st.ExitCode)

	cg.write(t, filepath.Join(cg.dir, "cgroup.events"), "populated 0\nfrozen 0\n") // the watch ends with the cgroup
}

// TestOOMKillFromParentNeedsSIGKILL: a kill the OOM watch could only read
// from the parent cgroup (the container's own was gone first) could be a
// sibling's, so it makes an exited container OOMKilled only when its
// process ended by SIGKILL, as an OOM-killed one does.
func TestOOMKillFromParentNeedsSIGKILL(t *testing.T) {
	for _, tc := range []struct {
		exit       int
		fromParent bool
		want       string
	}{
		{exit: 137, fromParent: true, want: "OOMKilled"},
		{exit: 1, fromParent: true, want: "Error"},
		{exit: 1, fromParent: false, want: "OOMKilled"}, // its own cgroup's count: a child was killed
	} {
		env := newTestEnv(t)
		id, _ := env.startedContainer(t)
		env.svc.containers.UpdateStats([]string{id}, func(_ string, st *store.StatsState) {
			st.OOMKills, st.OOMKillsFromParent = 1, tc.fromParent
		})
		require.NoError(t, env.engine.SetExited(id, tc.exit, false))
		assert.Equal(t, tc.want, env.exitedStatus(t, id).Reason, "exit %d, from parent %v", tc.exit, tc.fromParent)
	}
}

// exitedStatus is a container's status once the store has applied its
// exit event.
func (e *testEnv) exitedStatus(t *testing.T, id string) *runtimeapi.ContainerStatus {
	t.Helper()
	var resp *runtimeapi.ContainerStatusResponse
	var err error
	require.Eventually(t, func() bool {
		resp, err = e.svc.ContainerStatus(context.Background(), &runtimeapi.ContainerStatusRequest{ContainerId: id})
		return err == nil && resp.Status.State == runtimeapi.ContainerState_CONTAINER_EXITED
	}, 5*time.Second, 10*time.Millisecond, "the exit never showed: %v", err)
	return resp.Status
}
