package e2e

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestRemoveRacingStopAndRemove: RemoveContainer succeeds while the same
// container is being stopped (StopContainer with no grace, as kubelet's
// kill) and removed by another caller (RemovePodSandbox's sweep). Docker
// 20.10 fails a force remove whose kill finds the container exited
// meanwhile ("Could not kill running container ... is not running", a 500;
// the soak test hit it in CI), and one that meets another remove ("removal
// ... already in progress", a 409). Docker's windows are narrow, so a run
// may not race at all; TestRemoveContainerRacingExit in shim is the proof,
// this is the end-to-end coverage.
func TestRemoveRacingStopAndRemove(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	const n = 16
	ids := make([]string, n)
	for i := range ids {
		ids[i] = runContainer(t, d, sb, sbCfg)
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(3)
		go func() {
			defer wg.Done()
			err := d.runtime.StopContainer(testCtx(t), id, 0)
			if status.Code(err) != codes.NotFound {
				assert.NoError(t, err, "StopContainer %d", i)
			}
		}()
		for range 2 {
			go func() {
				defer wg.Done()
				assert.NoError(t, d.runtime.RemoveContainer(testCtx(t), id), "RemoveContainer %d", i)
			}()
		}
	}
	wg.Wait()
	for _, id := range ids {
		_, err := dockerCli.ContainerInspect(testCtx(t), id)
		assert.Error(t, err, "container %s still exists after RemoveContainer", id)
	}
	require.NoError(t, d.runtime.StopPodSandbox(testCtx(t), sb))
}
