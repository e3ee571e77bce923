package e2e

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRemoveRacingExit: RemoveContainer of a container that exits by itself
// during the remove succeeds. Docker 20.10 fails a force remove whose kill
// finds the container already exited (a 500, "Could not kill running
// container ... is not running"); the soak test hit it in CI. Removes are
// timed to land around the containers' own exits. Docker's window is
// narrow: this did not reproduce the failure with the old binary here (3
// runs), so the unit test TestRemoveContainerRacingExit is the proof and
// this is the end-to-end coverage of removes around an exit.
func TestRemoveRacingExit(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	const n = 24
	ids := make([]string, n)
	for i := range ids {
		ids[i], _ = createContainer(t, d, sb, sbCfg, withShell("sleep 0.3"))
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !assert.NoError(t, d.runtime.StartContainer(testCtx(t), id)) {
				return
			}
			// Spread the removes over 0.2–0.44 s after the start, across
			// the exit at about 0.3 s plus Docker's start latency.
			time.Sleep(200*time.Millisecond + time.Duration(i)*10*time.Millisecond)
			assert.NoError(t, d.runtime.RemoveContainer(testCtx(t), id), "container %d", i)
		}()
	}
	wg.Wait()
	for _, id := range ids {
		_, err := dockerCli.ContainerInspect(testCtx(t), id)
		assert.Error(t, err, "container %s still exists after RemoveContainer", id)
	}
	require.NoError(t, d.runtime.StopPodSandbox(testCtx(t), sb))
}
