package e2e

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bridgePorts lists the interfaces enslaved to the test's bridge (the
// host ends of the pods' veth pairs).
func (e *cniEnv) bridgePorts(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("ip", "-o", "link", "show", "master", e.bridge).CombinedOutput()
	if err != nil && strings.Contains(string(out), "does not exist") {
		return nil
	}
	require.NoError(t, err, "%s", out)
	var ports []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			ports = append(ports, strings.TrimSuffix(f[1], ":"))
		}
	}
	return ports
}

// TestCNIParallelPodsLeakNothing: 20 pods run, stopped and removed in
// parallel leave no IP lease and no veth behind.
func TestCNIParallelPodsLeakNothing(t *testing.T) {
	env := newCNIEnv(t)
	env.writeConfig(t)
	d := startDaemon(t, env.flags())
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg := newSandboxConfig(t)
			id, err := d.runtime.RunPodSandbox(testCtx(t), cfg, "")
			if err != nil {
				errs <- err
				return
			}
			if err := d.runtime.StopPodSandbox(testCtx(t), id); err != nil {
				errs <- err
			}
			if err := d.runtime.RemovePodSandbox(testCtx(t), id); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Empty(t, env.leasedIPs(t), "IP leases left in host-local")
	assert.Empty(t, env.bridgePorts(t), "veths left on the bridge")
	entries, err := readDirNames(d.rootDir + "/sandbox")
	require.NoError(t, err)
	assert.Empty(t, entries, "checkpoints left")
}

func readDirNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, err
}
