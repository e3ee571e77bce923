package main

import (
	"context"
	"time"
)

// resources is what dockercri itself costs, from /proc/<pid>.
type resources struct {
	Idle      *idleResult      `json:"idle,omitempty"`
	Lifecycle *lifecycleResult `json:"lifecycle,omitempty"`
	Steady    *steadyResult    `json:"steady,omitempty"`
	RSSRun    *rssRunResult    `json:"rss_growth,omitempty"`
	// Floor is the canned gRPC server's cost (see floor.go).
	Floor *floorResult `json:"floor,omitempty"`
	// ServerSide is dockercri's own timing of the steady-state calls (its
	// gRPC boundary histogram), when the bench started the daemon.
	ServerSide []serverSide `json:"dockercri_server_side_steady,omitempty"`
}

// idleResult is dockercri right after start-up, before any pod.
type idleResult struct {
	RSSKB      int64   `json:"dockercri_rss_kb"`
	CPUPerSec  float64 `json:"dockercri_cpu_s_per_s"`
	WindowSecs float64 `json:"window_s"`
}

// rssRunResult is the dockercri-only run of many lifecycles: does RSS come
// back to its level after the first 100?
type rssRunResult struct {
	Lifecycles     int     `json:"lifecycles"`
	Concurrency    int     `json:"concurrency"`
	RSSAfter100KB  int64   `json:"rss_kb_after_first_100"`
	RSSAfterAllKB  int64   `json:"rss_kb_after_all"`
	GrowthPct      float64 `json:"rss_growth_pct"`
	CPUPer100      float64 `json:"cpu_s_per_100_pods"`
	PodsPerS       float64 `json:"pods_per_s"`
	FirstBatchPods int     `json:"first_batch_pods"`
}

// idleScenario samples dockercri before it has done anything.
func (b *bench) idleScenario(ctx context.Context) error {
	time.Sleep(b.o.settle)
	cpu, err := b.measureIdle(ctx)
	if err != nil {
		return err
	}
	rss, err := rssKB(b.pid)
	if err != nil {
		return err
	}
	b.res.Idle = &idleResult{RSSKB: rss, CPUPerSec: cpu, WindowSecs: b.o.idleWindow.Seconds()}
	return nil
}

// rssScenario runs L pod lifecycles through dockercri only (untimed per
// call) and samples its RSS after the first 100 and after all of them.
func (b *bench) rssScenario(ctx context.Context) error {
	total := b.o.lifecyclesRSS
	first := min(100, total)
	res := &rssRunResult{Lifecycles: total, Concurrency: b.o.concurrency, FirstBatchPods: first}
	cpu0 := cpuOrZero(b.pid)
	var busy time.Duration
	batch := func(n int) error {
		start := time.Now()
		err := runPool(ctx, b.o.concurrency, n, func(int) error {
			return b.criLifecycle(ctx, "", b.newPod(sideCRI))
		})
		busy += time.Since(start)
		return err
	}
	if err := batch(first); err != nil {
		return err
	}
	cpu := cpuOrZero(b.pid) - cpu0
	time.Sleep(b.o.settle)
	rss, err := rssKB(b.pid)
	if err != nil {
		return err
	}
	res.RSSAfter100KB, res.RSSAfterAllKB = rss, rss
	logf("rss growth: %d/%d lifecycles, rss %d kB", first, total, rss)
	for done := first; done < total; {
		n := min(100, total-done)
		c0 := cpuOrZero(b.pid)
		if err := batch(n); err != nil {
			return err
		}
		cpu += cpuOrZero(b.pid) - c0
		done += n
		if done%500 == 0 || done == total {
			logf("rss growth: %d/%d lifecycles, rss %d kB", done, total, mustRSS(b.pid))
		}
	}
	if total > first {
		time.Sleep(b.o.settle)
		if res.RSSAfterAllKB, err = rssKB(b.pid); err != nil {
			return err
		}
	}
	res.GrowthPct = round3(100 * float64(res.RSSAfterAllKB-res.RSSAfter100KB) / float64(res.RSSAfter100KB))
	res.CPUPer100 = round3(cpu / float64(total) * 100)
	res.PodsPerS = round3(float64(total) / busy.Seconds())
	b.res.RSSRun = res
	return nil
}

func mustRSS(pid int) int64 {
	v, _ := rssKB(pid)
	return v
}
