package e2e

import (
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestSIGKILLAtRandomMoments: dockercri is SIGKILLed while clients run
// and remove pods, and restarted on the same root. After each restart the
// running pods are still there with the same ids, and a kubelet-style
// cleanup (stop and remove what is listed) leaves no container and no
// checkpoint: nothing half-made survives unlisted.
func TestSIGKILLAtRandomMoments(t *testing.T) {
	skipUnlessE2E(t)
	root := t.TempDir()
	var uids []string
	var mu sync.Mutex
	for round := range 4 {
		d := startDaemon(t, withRootDir(root))
		before, err := d.runtime.ListPodSandbox(testCtx(t), &runtimeapi.PodSandboxFilter{
			State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY},
		})
		require.NoError(t, err)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					cfg := newSandboxConfig(t)
					mu.Lock()
					uids = append(uids, cfg.Metadata.Uid)
					mu.Unlock()
					id, err := d.runtime.RunPodSandbox(testCtx(t), cfg, "")
					if err != nil {
						return // killed under us
					}
					if _, err := d.runtime.CreateContainer(testCtx(t), id, newContainerConfig(cfg), cfg); err != nil {
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(100+rand.IntN(700)) * time.Millisecond)
		require.NoError(t, d.cmd.Process.Kill())
		<-d.done
		wg.Wait()

		d2 := startDaemon(t, withRootDir(root))
		after, err := d2.runtime.ListPodSandbox(testCtx(t), nil)
		require.NoError(t, err)
		ids := map[string]bool{}
		for _, p := range after {
			ids[p.Id] = true
		}
		for _, p := range before {
			assert.True(t, ids[p.Id], "round %d: running pod %s lost across the kill", round, p.Id)
		}
		d2.stop(t)
	}
	// Kubelet-style cleanup of everything listed.
	d := startDaemon(t, withRootDir(root))
	list, err := d.runtime.ListPodSandbox(testCtx(t), nil)
	require.NoError(t, err)
	for _, p := range list {
		if !strings.HasPrefix(p.GetMetadata().GetUid(), runID) {
			continue
		}
		require.NoError(t, d.runtime.StopPodSandbox(testCtx(t), p.Id))
		require.NoError(t, d.runtime.RemovePodSandbox(testCtx(t), p.Id))
	}
	for _, uid := range uids {
		assert.Empty(t, dockerNamesWith(t, "_"+uid+"_"), "pod %s left containers", uid)
	}
	entries, err := os.ReadDir(root + "/sandbox")
	require.NoError(t, err)
	assert.Empty(t, entries, "checkpoints left")
}
