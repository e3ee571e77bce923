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
	// following Docker events of the raw side's containers; not the
	// duty rounds).
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
	// DutyClientCPUPer100 is this bench's CPU during the duty rounds per
	// 100 pods: the raw calls plus a CRI adapter's unavoidable duties
	// (duty.go). DutyEventsPer100 counts the events its watch received.
	DutyClientCPUPer100  float64 `json:"raw_duties_client_cpu_s_per_100_pods"`
	DutyEventsPer100     float64 `json:"raw_duties_events_per_100_pods"`
	DockerdCPUPer100Duty float64 `json:"dockerd_cpu_s_per_100_pods_duty_rounds,omitempty"`
	RSSAfterKB           int64   `json:"dockercri_rss_kb_after"`
}

type lifecycleSide struct {
	name string
	fn   func(context.Context, string, *pod) error
}

// lifecycleScenario runs N pod lifecycles per side at concurrency C, in
// rounds of R pods per side, rotating which side goes first. The duty side
// (duty.go) is measured for CPU only.
func (b *bench) lifecycleScenario(ctx context.Context) error {
	for _, c := range lifecycleCalls {
		b.rec.define(scLifecycle, c.call, c.raw)
	}
	b.rec.define(scLifecycle, podRow, "the 7 raw calls")
	sides := []lifecycleSide{{sideCRI, b.criLifecycle}, {sideRaw, b.rawLifecycle}, {sideDuty, b.dutyLifecycle}}
	// Warm-up, not recorded: first creates are slower on every path.
	for _, s := range sides {
		if err := s.fn(ctx, "", b.newPod(s.name)); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	n, c, r := b.o.pods, b.o.concurrency, b.o.round
	elapsed := map[string]time.Duration{}
	// The bench's own CPU is the client's in the raw and duty rounds.
	client := map[string]*cpuMeter{sideRaw: {pid: os.Getpid()}, sideDuty: {pid: os.Getpid()}}
	criCPU := map[string]*cpuMeter{sideCRI: {pid: b.pid}, sideRaw: {pid: b.pid}, sideDuty: {pid: b.pid}}
	dockerd := map[string]*cpuMeter{sideCRI: {pid: b.dpid}, sideRaw: {pid: b.dpid}, sideDuty: {pid: b.dpid}}
	events := 0
	for round, done := 0, 0; done < n; round++ {
		size := min(r, n-done)
		for i := range sides {
			s := sides[(i+round)%len(sides)]
			var watch *dutyWatch
			if s.name == sideDuty {
				watch = b.startDutyWatch(ctx)
			}
			dockerd[s.name].start()
			criCPU[s.name].start()
			if m := client[s.name]; m != nil {
				m.start()
			}
			start := time.Now()
			err := runPool(ctx, c, size, func(int) error {
				t := time.Now()
				if err := s.fn(ctx, scLifecycle, b.newPod(s.name)); err != nil {
					return err
				}
				if s.name != sideDuty {
					b.rec.add(scLifecycle, podRow, s.name, time.Since(t))
				}
				return nil
			})
			if watch != nil {
				events += watch.stop()
			}
			elapsed[s.name] += time.Since(start)
			dockerd[s.name].stop()
			criCPU[s.name].stop()
			if m := client[s.name]; m != nil {
				m.stop()
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
		CPUPer100:    round3(criCPU[sideCRI].total * per100),
		CPUPer100All: round3((criCPU[sideCRI].total + criCPU[sideRaw].total) * per100),

		RawClientCPUPer100:  round3(client[sideRaw].total * per100),
		DutyClientCPUPer100: round3(client[sideDuty].total * per100),
		DutyEventsPer100:    round3(float64(events) * per100),
	}
	res.Ratio = round3(res.CRIPodsPerS / res.RawPodsPerS)
	if b.dpid > 0 {
		res.DockerdCPUPer100CRI = round3(dockerd[sideCRI].total * per100)
		res.DockerdCPUPer100Raw = round3(dockerd[sideRaw].total * per100)
		res.DockerdCPUPer100Duty = round3(dockerd[sideDuty].total * per100)
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
