package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"time"
)

const (
	scLifecycle = "lifecycle"
	podRow      = "pod (7 calls)"
)

// lifecycleResult is the throughput and cost of the lifecycle scenario.
type lifecycleResult struct {
	Pods        int     `json:"pods_per_side"`
	Concurrency int     `json:"concurrency"`
	Round       int     `json:"pods_per_round"`
	CRIPodsPerS float64 `json:"dockercri_pods_per_s"`
	RawPodsPerS float64 `json:"raw_pods_per_s"`
	Ratio       float64 `json:"ratio_pods_per_s"`
	// CPUPer100 is dockercri's CPU during its own rounds per 100 pods;
	// CPUPer100All also counts what it did while the raw rounds ran (e.g.
	// following Docker events of the raw side's containers).
	CPUPer100    float64 `json:"dockercri_cpu_s_per_100_pods"`
	CPUPer100All float64 `json:"dockercri_cpu_s_per_100_pods_incl_raw_rounds"`
	// Dockerd's CPU per 100 pods during each side's rounds: how much
	// extra work dockercri makes dockerd do.
	DockerdCPUPer100CRI float64 `json:"dockerd_cpu_s_per_100_pods_dockercri_rounds,omitempty"`
	DockerdCPUPer100Raw float64 `json:"dockerd_cpu_s_per_100_pods_raw_rounds,omitempty"`
	// RawClientCPUPer100 is this bench's own CPU during the raw rounds per
	// 100 pods: a bare Docker SDK client making the 7 raw calls, the floor
	// for any Docker API client's cost.
	RawClientCPUPer100 float64 `json:"raw_client_cpu_s_per_100_pods"`
	RSSAfterKB         int64   `json:"dockercri_rss_kb_after"`
}

type lifecycleSide struct {
	name string
	fn   func(context.Context, string, *pod) error
}

// lifecycleScenario runs N pod lifecycles per side at concurrency C, in
// rounds of R pods per side, alternating which side goes first.
func (b *bench) lifecycleScenario(ctx context.Context) error {
	for _, c := range lifecycleCalls {
		b.rec.define(scLifecycle, c.call, c.raw)
	}
	b.rec.define(scLifecycle, podRow, "the 7 raw calls")
	sides := []lifecycleSide{{sideCRI, b.criLifecycle}, {sideRaw, b.rawLifecycle}}
	// Warm-up, not recorded: first creates are slower on both paths.
	for _, s := range sides {
		if err := s.fn(ctx, "", b.newPod(s.name)); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	n, c, r := b.o.pods, b.o.concurrency, b.o.round
	elapsed := map[string]time.Duration{}
	criCPU := &cpuMeter{pid: b.pid}
	rawClient := &cpuMeter{pid: os.Getpid()}
	dockerd := map[string]*cpuMeter{sideCRI: {pid: b.dpid}, sideRaw: {pid: b.dpid}}
	all0 := cpuOrZero(b.pid)
	for round, done := 0, 0; done < n; round++ {
		size := min(r, n-done)
		order := sides
		if round%2 == 1 {
			order = []lifecycleSide{sides[1], sides[0]}
		}
		for _, s := range order {
			dockerd[s.name].start()
			if s.name == sideCRI {
				criCPU.start()
			} else {
				rawClient.start()
			}
			start := time.Now()
			err := runPool(ctx, c, size, func(int) error {
				t := time.Now()
				if err := s.fn(ctx, scLifecycle, b.newPod(s.name)); err != nil {
					return err
				}
				b.rec.add(scLifecycle, podRow, s.name, time.Since(t))
				return nil
			})
			elapsed[s.name] += time.Since(start)
			dockerd[s.name].stop()
			if s.name == sideCRI {
				criCPU.stop()
			} else {
				rawClient.stop()
			}
			if err != nil {
				return err
			}
		}
		done += size
		logf("lifecycle: %d/%d pods per side", done, n)
	}
	per100 := 100 / float64(n)
	res := &lifecycleResult{
		Pods: n, Concurrency: c, Round: r,
		CRIPodsPerS:  round3(float64(n) / elapsed[sideCRI].Seconds()),
		RawPodsPerS:  round3(float64(n) / elapsed[sideRaw].Seconds()),
		CPUPer100:    round3(criCPU.total * per100),
		CPUPer100All: round3((cpuOrZero(b.pid) - all0) * per100),

		RawClientCPUPer100: round3(rawClient.total * per100),
	}
	res.Ratio = round3(res.CRIPodsPerS / res.RawPodsPerS)
	if b.dpid > 0 {
		res.DockerdCPUPer100CRI = round3(dockerd[sideCRI].total * per100)
		res.DockerdCPUPer100Raw = round3(dockerd[sideRaw].total * per100)
	}
	time.Sleep(b.o.settle)
	res.RSSAfterKB, _ = rssKB(b.pid)
	b.res.Lifecycle = res
	return nil
}

func round3(v float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0
	}
	return math.Round(v*1000) / 1000
}
