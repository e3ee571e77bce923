package main

import (
	"math"
	"slices"
	"sync"
	"time"
)

// recorder collects latency samples per scenario, call and side, and
// remembers the order in which calls first appeared (the table's order).
type recorder struct {
	mu      sync.Mutex
	order   []callKey
	samples map[callKey]map[string][]time.Duration
	rawDesc map[callKey]string
}

type callKey struct{ scenario, call string }

func newRecorder() *recorder {
	return &recorder{samples: map[callKey]map[string][]time.Duration{}, rawDesc: map[callKey]string{}}
}

// define declares a call (and what its raw side does) so that it keeps its
// place in the table even before its first sample.
func (r *recorder) define(scenario, call, raw string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := callKey{scenario, call}
	if _, ok := r.samples[k]; !ok {
		r.order = append(r.order, k)
		r.samples[k] = map[string][]time.Duration{}
	}
	r.rawDesc[k] = raw
}

func (r *recorder) add(scenario, call, side string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := callKey{scenario, call}
	if _, ok := r.samples[k]; !ok {
		r.order = append(r.order, k)
		r.samples[k] = map[string][]time.Duration{}
	}
	r.samples[k][side] = append(r.samples[k][side], d)
}

// timed runs fn and records its duration when it succeeds.
func (r *recorder) timed(scenario, call, side string, fn func() error) error {
	start := time.Now()
	if err := fn(); err != nil {
		return err
	}
	r.add(scenario, call, side, time.Since(start))
	return nil
}

// dist is the distribution of one call on one side, in milliseconds.
type dist struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// summarize returns nearest-rank percentiles of samples.
func summarize(samples []time.Duration) *dist {
	if len(samples) == 0 {
		return nil
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	pct := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		i = max(0, min(i, len(s)-1))
		return ms(s[i])
	}
	return &dist{N: len(s), P50: pct(50), P95: pct(95), P99: pct(99), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// callResult is one row of the table.
type callResult struct {
	Scenario  string   `json:"scenario"`
	Call      string   `json:"call"`
	Raw       string   `json:"raw_equivalent,omitempty"`
	Dockercri *dist    `json:"dockercri,omitempty"`
	Docker    *dist    `json:"raw,omitempty"`
	RatioP50  *float64 `json:"ratio_p50,omitempty"`
	RatioP99  *float64 `json:"ratio_p99,omitempty"`
	// Floor is the same call to the canned gRPC server (floor.go), and
	// the ratios dockercri/floor.
	Floor         *dist    `json:"floor,omitempty"`
	FloorRatioP50 *float64 `json:"ratio_floor_p50,omitempty"`
	FloorRatioP99 *float64 `json:"ratio_floor_p99,omitempty"`
}

func (r *recorder) rows() []callResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]callResult, 0, len(r.order))
	for _, k := range r.order {
		row := callResult{Scenario: k.scenario, Call: k.call, Raw: r.rawDesc[k],
			Dockercri: summarize(r.samples[k][sideCRI]), Docker: summarize(r.samples[k][sideRaw])}
		if row.Dockercri != nil && row.Docker != nil {
			row.RatioP50 = ratio(row.Dockercri.P50, row.Docker.P50)
			row.RatioP99 = ratio(row.Dockercri.P99, row.Docker.P99)
		}
		if row.Floor = summarize(r.samples[k][sideFloor]); row.Floor != nil && row.Dockercri != nil {
			row.FloorRatioP50 = ratio(row.Dockercri.P50, row.Floor.P50)
			row.FloorRatioP99 = ratio(row.Dockercri.P99, row.Floor.P99)
		}
		out = append(out, row)
	}
	return out
}

func ratio(a, b float64) *float64 {
	if b <= 0 {
		return nil
	}
	v := math.Round(a/b*1000) / 1000
	return &v
}
