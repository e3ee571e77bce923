package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

const (
	scSteady = "steady"
	scExec   = "exec"
)

// steadyPod is one of the M running pods (made through dockercri; both
// sides read the same containers).
type steadyPod struct{ sid, cid, uid string }

// pairCall is one steady-state call and its raw equivalent; i picks the
// pod a per-object call targets (rotating through the M pods). floor, when
// set, is the same call to the canned server (floor.go).
type pairCall struct {
	name, rawDesc string
	iterations    int
	// rawIterations, when set, runs the raw side only that many times
	// (Docker's side of a call that takes a second there).
	rawIterations   int
	cri, raw, floor func(ctx context.Context, i int) error
}

// steadyResult is dockercri's cost while M pods run.
type steadyResult struct {
	Pods          int     `json:"running_pods"`
	RSSKB         int64   `json:"dockercri_rss_kb"`
	IdleCPUPerSec float64 `json:"dockercri_idle_cpu_s_per_s"`
}

// steadyScenario starts M pods through dockercri, measures dockercri idle
// with them, runs the read calls and ExecSync against both sides
// (alternating which goes first), then removes the pods.
func (b *bench) steadyScenario(ctx context.Context) (retErr error) {
	m := b.o.steadyPods
	pods := make([]steadyPod, m)
	logf("steady: starting %d pods through dockercri", m)
	err := runPool(ctx, b.o.concurrency, m, func(i int) error {
		p := b.newPod(sideCRI)
		sid, cid, err := b.criStartPod(ctx, "", p)
		pods[i] = steadyPod{sid: sid, cid: cid, uid: p.sandbox.Metadata.Uid}
		return err
	})
	defer func() {
		if err := b.stopSteadyPods(ctx, pods); err != nil {
			retErr = errors.Join(retErr, err)
		}
	}()
	if err != nil {
		return err
	}
	time.Sleep(b.o.settle)
	cpu, err := b.measureIdle(ctx)
	if err != nil {
		return err
	}
	rss, _ := rssKB(b.pid)
	b.res.Steady = &steadyResult{Pods: m, RSSKB: rss, IdleCPUPerSec: cpu}

	floor, err := b.startFloor(ctx)
	if err != nil {
		return fmt.Errorf("canned gRPC server: %w", err)
	}
	defer func() {
		if err := floor.close(); err != nil {
			retErr = errors.Join(retErr, err)
		}
	}()
	calls := b.steadyCalls(pods, floor)
	before := b.scrapeServerSide(ctx)
	if err := b.alternate(ctx, scSteady, calls); err != nil {
		return err
	}
	if after := b.scrapeServerSide(ctx); before != nil && after != nil {
		b.res.ServerSide = serverSideBetween(before, after, []string{
			"ListPodSandbox", "ListContainers", "PodSandboxStatus", "ContainerStatus",
			"ContainerStats", "PodSandboxStats", "ListContainerStats", "ListPodSandboxStats",
			"ImageFsInfo", "ListImages", "Status",
		})
	}
	if err := b.floorLifecycle(ctx, floor); err != nil {
		return err
	}
	if b.o.execIterations > 0 {
		return b.alternate(ctx, scExec, []pairCall{b.execCall(pods)})
	}
	return nil
}

// alternate runs every call's iterations, every side per iteration, which
// side goes first rotating from one iteration to the next.
func (b *bench) alternate(ctx context.Context, scenario string, calls []pairCall) error {
	maxIter := 0
	for _, c := range calls {
		b.rec.define(scenario, c.name, c.rawDesc)
		maxIter = max(maxIter, c.iterations)
	}
	for k := 0; k < maxIter; k++ {
		for _, c := range calls {
			if k >= c.iterations {
				continue
			}
			order := c.sides(k)
			for j := range order {
				r := order[(j+k)%len(order)]
				time.Sleep(b.o.gap)
				if err := b.step(ctx, scenario, c.name, r.side, func(ctx context.Context) error { return r.fn(ctx, k) }); err != nil {
					return err
				}
			}
		}
		if (k+1)%50 == 0 || k+1 == maxIter {
			logf("%s: %d/%d iterations", scenario, k+1, maxIter)
		}
	}
	return nil
}

// sideCall is one side's function of a pairCall.
type sideCall struct {
	side string
	fn   func(context.Context, int) error
}

// sides lists the call's sides for iteration k in their base order.
func (c pairCall) sides(k int) []sideCall {
	out := []sideCall{{sideCRI, c.cri}}
	if c.rawIterations == 0 || k < c.rawIterations {
		out = append(out, sideCall{sideRaw, c.raw})
	}
	if c.floor != nil {
		out = append(out, sideCall{sideFloor, c.floor})
	}
	return out
}

// stopSteadyPods removes the steady pods through dockercri (untimed).
func (b *bench) stopSteadyPods(ctx context.Context, pods []steadyPod) error {
	if ctx.Err() != nil {
		return nil // interrupted: the final sweep removes them
	}
	logf("steady: removing %d pods", len(pods))
	return runPool(ctx, b.o.concurrency, len(pods), func(i int) error {
		p := pods[i]
		if p.sid == "" {
			return nil
		}
		return b.criStopPod(ctx, "", p.sid, p.cid)
	})
}

// measureIdle returns dockercri's CPU seconds per second over the idle
// window.
func (b *bench) measureIdle(ctx context.Context) (float64, error) {
	c0 := cpuOrZero(b.pid)
	start := time.Now()
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(b.o.idleWindow):
	}
	return round3((cpuOrZero(b.pid) - c0) / time.Since(start).Seconds()), nil
}

// expectAtLeast fails when a list is shorter than the pods known to exist.
func expectAtLeast(what string, got, want int) error {
	if got < want {
		return fmt.Errorf("%s returned %d items, want at least %d", what, got, want)
	}
	return nil
}

// scrapeServerSide reads dockercri's call histograms; nil when the bench
// did not start the daemon (or /metrics does not answer).
func (b *bench) scrapeServerSide(ctx context.Context) map[string]buckets {
	if b.metricsAddr == "" {
		return nil
	}
	m, err := scrapeRPCBuckets(ctx, b.metricsAddr)
	if err != nil {
		logf("reading dockercri's /metrics: %v", err)
		return nil
	}
	return m
}
