package e2e

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestDockerdRestart restarts a real dockerd (a private one, so the rest of
// the suite keeps its own) under a running dockercri, with and without
// Docker's live-restore. During the outage calls answer Unavailable and
// Status says RuntimeReady=false; afterwards dockercri reconnects and
// resyncs on its own: with live-restore the pod keeps running with the same
// ids and process, without it the containers show as exited and the pod can
// be cleaned up and run again.
func TestDockerdRestart(t *testing.T) {
	for _, tc := range []struct {
		name        string
		liveRestore bool
	}{
		{"live-restore", true},
		{"no live-restore", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dd := startPrivateDockerd(t, tc.liveRestore)
			if err := ensureBusyboxImage(testCtx(t), dd.cli); err != nil {
				t.Fatal(err)
			}
			d := startDaemon(t, withDockerEngine(dd.endpoint, dd.cli))
			sid, scfg := runSandbox(t, d, withHostNetwork())
			// Exits at once on SIGTERM, so a dockerd without live-restore
			// stops it without waiting out a grace period.
			cid := runContainer(t, d, sid, scfg, withShell(`trap "exit 0" TERM; while :; do sleep 0.2; done`))
			waitContainerState(t, d, cid, runtimeapi.ContainerState_CONTAINER_RUNNING, 10*time.Second)
			pidBefore := dockerPid(t, dd, cid)

			dd.stop(t)
			if !eventually(10*time.Second, func() bool { return !runtimeReady(t, d) }) {
				t.Fatal("RuntimeReady stayed true with dockerd stopped")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := d.runtime.ListContainers(ctx, nil)
			wantUnavailable(t, "ListContainers", err)
			_, err = d.runtime.ContainerStatus(ctx, cid, false)
			wantUnavailable(t, "ContainerStatus", err)
			_, err = d.runtime.PodSandboxStatus(ctx, sid, false)
			wantUnavailable(t, "PodSandboxStatus", err)

			dd.start(t)
			if !eventually(30*time.Second, func() bool { return runtimeReady(t, d) }) {
				t.Fatal("RuntimeReady did not return after dockerd restarted")
			}
			if tc.liveRestore {
				st := waitContainerState(t, d, cid, runtimeapi.ContainerState_CONTAINER_RUNNING, 10*time.Second)
				if pid := dockerPid(t, dd, cid); pid != pidBefore {
					t.Errorf("container process changed across the restart: pid %d, was %d", pid, pidBefore)
				}
				if st.GetId() != cid {
					t.Errorf("ContainerStatus id %s, want %s", st.GetId(), cid)
				}
				if got := sandboxStatus(t, d, sid).GetState(); got != runtimeapi.PodSandboxState_SANDBOX_READY {
					t.Errorf("sandbox %v after a live-restore restart, want READY", got)
				}
				stdout, _, err := d.runtime.ExecSync(testCtx(t), cid, []string{"echo", "still here"}, 10*time.Second)
				if err != nil || string(stdout) != "still here\n" {
					t.Fatalf("ExecSync after the restart: %v %q", err, stdout)
				}
				// A change behind dockercri's back after the restart reaches it:
				// the event stream was re-established.
				if err := dd.cli.ContainerKill(testCtx(t), cid, "KILL"); err != nil {
					t.Fatal(err)
				}
				waitContainerState(t, d, cid, runtimeapi.ContainerState_CONTAINER_EXITED, 5*time.Second)
			} else {
				waitContainerState(t, d, cid, runtimeapi.ContainerState_CONTAINER_EXITED, 10*time.Second)
				if !eventually(10*time.Second, func() bool {
					return sandboxStatus(t, d, sid).GetState() == runtimeapi.PodSandboxState_SANDBOX_NOTREADY
				}) {
					t.Fatal("sandbox still READY after dockerd stopped it")
				}
			}
			listed := false
			items, err := d.runtime.ListContainers(testCtx(t), &runtimeapi.ContainerFilter{PodSandboxId: sid})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range items {
				listed = listed || c.Id == cid
			}
			if !listed {
				t.Errorf("container %s not listed after the restart", cid)
			}

			// kubelet's way on: stop and remove the pod, run a new one.
			if err := d.runtime.StopPodSandbox(testCtx(t), sid); err != nil {
				t.Fatalf("StopPodSandbox: %v", err)
			}
			if err := d.runtime.RemovePodSandbox(testCtx(t), sid); err != nil {
				t.Fatalf("RemovePodSandbox: %v", err)
			}
			sid2, scfg2 := runSandbox(t, d, withHostNetwork())
			cid2 := runContainer(t, d, sid2, scfg2, withCommand("sleep", "3600"))
			waitContainerState(t, d, cid2, runtimeapi.ContainerState_CONTAINER_RUNNING, 10*time.Second)
		})
	}
}

func dockerPid(t *testing.T, dd *privateDockerd, id string) int {
	t.Helper()
	in, err := dd.cli.ContainerInspect(testCtx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return in.State.Pid
}

func wantUnavailable(t *testing.T, call string, err error) {
	t.Helper()
	if status.Code(err) != codes.Unavailable {
		t.Errorf("%s during the outage: %v, want Unavailable", call, err)
	}
}
