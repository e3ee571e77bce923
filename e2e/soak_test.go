package e2e

import (
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// soakSettings: `make soak` runs 50 clients for ten minutes; make test a
// short version (DOCKERCRI_SOAK_CLIENTS, DOCKERCRI_SOAK_DURATION).
func soakSettings() (int, time.Duration) {
	clients, dur := 6, 20*time.Second
	if v, err := strconv.Atoi(os.Getenv("DOCKERCRI_SOAK_CLIENTS")); err == nil && v > 0 {
		clients = v
	}
	if v, err := time.ParseDuration(os.Getenv("DOCKERCRI_SOAK_DURATION")); err == nil && v > 0 {
		dur = v
	}
	return clients, dur
}

// TestSoak: clients create, start, stop and remove pods and containers at
// random, also racing each other on the same objects, with pods on a CNI
// network. No call may answer Unknown or Internal, and afterwards nothing
// is left: no container, no checkpoint, no IP lease, no veth, no goroutine
// beyond the baseline.
func TestSoak(t *testing.T) {
	clients, dur := soakSettings()
	port := freePort(t)
	cni := newCNIEnv(t)
	cni.writeConfig(t)
	d := startDaemon(t, cni.flags(), withFlags("--debug-addr", "127.0.0.1:"+strconv.Itoa(port)))
	dbg := &daemonDebug{addr: "127.0.0.1:" + strconv.Itoa(port), pid: d.cmd.Process.Pid}
	time.Sleep(500 * time.Millisecond)
	baseGoroutines := dbg.goroutines(t)

	var (
		calls, bad atomic.Int64
		mu         sync.Mutex
		sandboxes  []string
		containers []string
		uids       []string
		live       = map[string]bool{} // pods not yet removed; bounded to keep dockerd's load steady
	)
	// Racing clients may find an object gone (NotFound) or in the wrong
	// state (FailedPrecondition); any other failure is a bug.
	check := func(op string, err error) {
		calls.Add(1)
		switch status.Code(err) {
		case codes.OK, codes.NotFound, codes.FailedPrecondition:
		default:
			bad.Add(1)
			t.Errorf("%s: %v", op, err)
		}
	}
	pick := func(list []string, r *rand.Rand) string {
		if len(list) == 0 {
			return ""
		}
		return list[r.IntN(len(list))]
	}
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			for time.Now().Before(deadline) {
				mu.Lock()
				sb, ctr := pickLive(live, sandboxes, r), pick(containers, r)
				mu.Unlock()
				ctx := testCtx(t)
				mu.Lock()
				full := len(live) >= 4*clients
				mu.Unlock()
				switch op := r.IntN(8); {
				case sb == "" && full:
					continue // nothing picked and no room: try again
				case op == 0 || sb == "":
					cfg := newSandboxConfig(t)
					id, err := d.runtime.RunPodSandbox(ctx, cfg, "")
					check("RunPodSandbox", err)
					if err == nil {
						mu.Lock()
						sandboxes, uids = append(sandboxes, id), append(uids, cfg.Metadata.Uid)
						live[id] = true
						mu.Unlock()
					}
				case op == 1:
					resp, err := d.runtime.PodSandboxStatus(ctx, sb, false)
					check("PodSandboxStatus", err)
					if err == nil {
						cfg := newSandboxConfig(t)
						cfg.Metadata = resp.GetStatus().GetMetadata()
						id, err := d.runtime.CreateContainer(ctx, sb, newContainerConfig(cfg), cfg)
						check("CreateContainer", err)
						if err == nil {
							mu.Lock()
							containers = append(containers, id)
							mu.Unlock()
						}
					}
				case op == 2 && ctr != "":
					check("StartContainer", d.runtime.StartContainer(ctx, ctr))
				case op == 3 && ctr != "":
					check("StopContainer", d.runtime.StopContainer(ctx, ctr, 0))
				case op == 4 && ctr != "":
					check("RemoveContainer", d.runtime.RemoveContainer(ctx, ctr))
				case op == 5:
					check("StopPodSandbox", d.runtime.StopPodSandbox(ctx, sb))
				case (op == 6 || full) && sb != "":
					err := d.runtime.RemovePodSandbox(ctx, sb)
					check("RemovePodSandbox", err)
					if err == nil {
						mu.Lock()
						delete(live, sb)
						mu.Unlock()
					}
				default:
					_, err := d.runtime.ListContainers(ctx, &runtimeapi.ContainerFilter{PodSandboxId: sb})
					check("ListContainers", err)
				}
			}
		}()
	}
	wg.Wait()
	// Clean up everything through CRI, as kubelet would.
	for sb := range live {
		check("StopPodSandbox", d.runtime.StopPodSandbox(testCtx(t), sb))
		check("RemovePodSandbox", d.runtime.RemovePodSandbox(testCtx(t), sb))
	}
	t.Logf("soak: %d clients, %s, %d calls, %d sandboxes, %d containers", clients, dur, calls.Load(), len(sandboxes), len(containers))
	assert.Zero(t, bad.Load(), "calls failing with a code other than NotFound/FailedPrecondition")
	for _, uid := range uids {
		assert.Empty(t, dockerNamesWith(t, "_"+uid+"_"), "containers left for pod %s", uid)
	}
	entries, err := os.ReadDir(d.rootDir + "/sandbox")
	require.NoError(t, err)
	assert.Empty(t, entries, "checkpoints left")
	assert.Empty(t, cni.leasedIPs(t), "IP leases left")
	assert.Empty(t, cni.bridgePorts(t), "veths left")
	require.True(t, eventually(15*time.Second, func() bool { return dbg.goroutines(t) <= baseGoroutines+5 }),
		"goroutines: %d now, %d before\n%s", dbg.goroutines(t), baseGoroutines, dbg.profile(8<<10))
}

// pickLive picks a pod not yet removed (or, rarely, an old one, to race
// calls on removed pods too).
func pickLive(live map[string]bool, all []string, r *rand.Rand) string {
	if len(all) > 0 && r.IntN(10) == 0 {
		return all[r.IntN(len(all))]
	}
	n := r.IntN(len(live) + 1)
	for id := range live {
		if n == 0 {
			return id
		}
		n--
	}
	return ""
}
