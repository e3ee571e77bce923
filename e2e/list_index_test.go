package e2e

import (
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestListSeesChangesBehindItsBack: List calls are served from an index
// kept current by Docker's events, so changes made with the docker CLI show
// within a second; changes made through dockercri show at once.
func TestListSeesChangesBehindItsBack(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	a := runContainer(t, d, sb, sbCfg)
	b := runContainer(t, d, sb, sbCfg)
	list := func() map[string]runtimeapi.ContainerState {
		items, err := d.runtime.ListContainers(testCtx(t), &runtimeapi.ContainerFilter{PodSandboxId: sb})
		require.NoError(t, err)
		out := map[string]runtimeapi.ContainerState{}
		for _, c := range items {
			out[c.Id] = c.State
		}
		return out
	}
	require.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, list()[a], "read-your-writes after StartContainer")
	// Statuses are served from cached inspect data from here on.
	require.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, containerStatus(t, d, a).GetState())
	require.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, containerStatus(t, d, b).GetState())
	require.Equal(t, runtimeapi.PodSandboxState_SANDBOX_READY, sandboxStatus(t, d, sb).GetState())

	require.NoError(t, dockerCli.ContainerKill(testCtx(t), a, "KILL"))
	require.NoError(t, dockerCli.ContainerRemove(testCtx(t), b, container.RemoveOptions{Force: true}))
	start := time.Now()
	require.True(t, eventually(time.Second, func() bool {
		l := list()
		_, bListed := l[b]
		return l[a] == runtimeapi.ContainerState_CONTAINER_EXITED && !bListed
	}), "docker kill / docker rm -f not reflected within a second: %v", list())
	t.Logf("reflected after %s", time.Since(start).Round(time.Millisecond))
	require.True(t, eventually(time.Second, func() bool {
		_, err := d.runtime.ContainerStatus(testCtx(t), b, false)
		return status.Code(err) == codes.NotFound && containerStatus(t, d, a).GetState() == runtimeapi.ContainerState_CONTAINER_EXITED
	}), "ContainerStatus does not reflect docker kill / docker rm -f within a second")
	assert.Equal(t, int32(137), containerStatus(t, d, a).GetExitCode())

	// The same for the sandbox: stopped behind dockercri's back.
	require.NoError(t, dockerCli.ContainerKill(testCtx(t), sb, "KILL"))
	require.True(t, eventually(time.Second, func() bool {
		return sandboxStatus(t, d, sb).GetState() == runtimeapi.PodSandboxState_SANDBOX_NOTREADY
	}), "PodSandboxStatus does not reflect docker kill within a second")
}

// TestListShowsInstantExit: a container that exits the moment it starts
// is listed EXITED. Docker's start and die events can reach dockercri
// before the answer to its own start call; that answer must not mark the
// container running again for good (no later event would correct it).
func TestListShowsInstantExit(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	// Started all at once, so that the answers to the starts and the
	// events compete for the 2 CPUs.
	const n = 12
	ids := make([]string, n)
	for i := range ids {
		ids[i], _ = createContainer(t, d, sb, sbCfg, withShell("exit 0"))
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, d.runtime.StartContainer(testCtx(t), id))
		}()
	}
	wg.Wait()
	stuck := func() []string {
		items, err := d.runtime.ListContainers(testCtx(t), &runtimeapi.ContainerFilter{PodSandboxId: sb})
		require.NoError(t, err)
		var out []string
		for _, c := range items {
			if c.State != runtimeapi.ContainerState_CONTAINER_EXITED {
				out = append(out, c.Id[:12]+"="+c.State.String())
			}
		}
		return out
	}
	require.True(t, eventually(2*time.Second, func() bool { return len(stuck()) == 0 }),
		"containers that exited at once are still listed as: %v", stuck())
	for _, id := range ids {
		assert.Equal(t, runtimeapi.ContainerState_CONTAINER_EXITED, containerStatus(t, d, id).GetState())
	}
}
