package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"text/tabwriter"
	"time"
)

// results is everything one run measured (the JSON file).
type results struct {
	Time          string         `json:"time"`
	DockerVersion string         `json:"docker_version"`
	DockerAPI     string         `json:"docker_api"`
	Host          hostInfo       `json:"host"`
	Config        map[string]any `json:"config"`
	Calls         []callResult   `json:"calls"`
	Resources     resources      `json:"resources"`
	// SpecDiffs lists Config/HostConfig fields in which the raw side's
	// containers differ from dockercri's (empty: identical).
	SpecDiffs []string `json:"spec_differences"`
}

type hostInfo struct {
	CPUs         int    `json:"cpus"`
	CgroupDriver string `json:"cgroup_driver"`
	SandboxImage string `json:"sandbox_image"`
	Image        string `json:"image"`
}

func (b *bench) results() *results {
	o := b.o
	return &results{
		Time:          time.Now().UTC().Format(time.RFC3339),
		DockerVersion: b.dockerVersion,
		DockerAPI:     b.docker.ClientVersion(),
		Host:          hostInfo{CPUs: runtime.NumCPU(), CgroupDriver: b.host.CgroupDriver, SandboxImage: b.sandboxImage, Image: o.image},
		Config: map[string]any{
			"pods": o.pods, "concurrency": o.concurrency, "round": o.round, "steady_pods": o.steadyPods,
			"iterations": o.iterations, "stats_iterations": o.statsIterations, "raw_stats_iterations": o.rawStatsIters, "stats_parallel": o.statsParallel,
			"exec_iterations": o.execIterations, "lifecycles_rss": o.lifecyclesRSS,
			"idle_window_s": o.idleWindow.Seconds(), "settle_s": o.settle.Seconds(), "gap_ms": o.gap.Seconds() * 1000,
		},
		Calls:     b.rec.rows(),
		Resources: b.res,
		SpecDiffs: append([]string{}, b.specDiffs...),
	}
}

func writeJSON(path string, r *results) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// printTable writes the latency table (milliseconds) and the resource
// figures.
func printTable(w io.Writer, r *results) {
	fmt.Fprintf(w, "\ndockercri vs raw Docker API — docker %s (API %s), %d CPUs; latencies in ms (nearest-rank percentiles)\n\n",
		r.DockerVersion, r.DockerAPI, r.Host.CPUs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-10s %-22s\tn\tcri p50\tcri p95\tcri p99\traw p50\traw p95\traw p99\tp50 ×\tp99 ×\t\n", "scenario", "call")
	for _, c := range r.Calls {
		n := 0
		if c.Dockercri != nil {
			n = c.Dockercri.N
		}
		fmt.Fprintf(tw, "%-10s %-22s\t%d\t%s\t%s\t%s\t%s\t\n", c.Scenario, c.Call, n,
			distCols(c.Dockercri), distCols(c.Docker), ratioCol(c.RatioP50), ratioCol(c.RatioP99))
	}
	tw.Flush()

	if len(r.Resources.ServerSide) > 0 {
		fmt.Fprintln(w, "\ndockercri's own time for the steady-state calls (its gRPC-boundary histogram; bucket bounds, ms):")
		for _, s := range r.Resources.ServerSide {
			fmt.Fprintf(w, "  %-20s n=%-5d p50 ≤ %-5s p99 ≤ %-5s %.1f%% ≤ 0.5 ms\n",
				s.Method, s.N, formatBound(s.P50LeMs), formatBound(s.P99LeMs), 100*s.ShareLe05Ms)
		}
	}

	printStatsTail(w, r)
	printFloor(w, r)

	fmt.Fprintln(w, "\nraw equivalents:")
	seen := map[string]bool{}
	for _, c := range r.Calls {
		if c.Raw != "" && !seen[c.Call] {
			seen[c.Call] = true
			fmt.Fprintf(w, "  %-22s %s\n", c.Call, c.Raw)
		}
	}

	if len(r.SpecDiffs) == 0 {
		fmt.Fprintln(w, "\nspec check: the raw side's containers have the same Config and HostConfig as dockercri's")
	} else {
		fmt.Fprintln(w, "\nWARNING: the raw side's containers differ from dockercri's:")
		for _, d := range r.SpecDiffs {
			fmt.Fprintln(w, "  "+d)
		}
	}
	res := r.Resources
	fmt.Fprintln(w, "\ndockercri itself (/proc/<pid>):")
	if i := res.Idle; i != nil {
		fmt.Fprintf(w, "  idle: RSS %s, CPU %.3f s/s over %.0f s\n", mb(i.RSSKB), i.CPUPerSec, i.WindowSecs)
	}
	if l := res.Lifecycle; l != nil {
		fmt.Fprintf(w, "  lifecycle (N=%d per side, C=%d, rounds of %d): pods/s dockercri %.2f, raw %.2f, ratio %.3f\n",
			l.Pods, l.Concurrency, l.Round, l.CRIPodsPerS, l.RawPodsPerS, l.Ratio)
		fmt.Fprintf(w, "    dockercri CPU per 100 pods: %.3f s in its rounds (%.3f s incl. raw rounds); RSS after %s\n",
			l.CPUPer100, l.CPUPer100All, mb(l.RSSAfterKB))
		fmt.Fprintf(w, "    a bare Docker SDK client making the raw calls (this bench): %.3f s CPU per 100 pods\n", l.RawClientCPUPer100)
		fmt.Fprintf(w, "    the same plus an adapter's duties (CRI log stream per container, event stream: %.0f events, checkpoint file): %.3f s\n",
			l.DutyEventsPer100, l.DutyClientCPUPer100)
		if l.DockerdCPUPer100CRI > 0 || l.DockerdCPUPer100Raw > 0 {
			fmt.Fprintf(w, "    dockerd CPU per 100 pods: %.3f s in dockercri rounds, %.3f s in raw rounds, %.3f s in duty rounds\n",
				l.DockerdCPUPer100CRI, l.DockerdCPUPer100Raw, l.DockerdCPUPer100Duty)
		}
	}
	if s := res.Steady; s != nil {
		fmt.Fprintf(w, "  with %d running pods, idle: RSS %s, CPU %.3f s/s\n", s.Pods, mb(s.RSSKB), s.IdleCPUPerSec)
	}
	if g := res.RSSRun; g != nil {
		fmt.Fprintf(w, "  %d dockercri-only lifecycles (C=%d, %.2f pods/s): RSS after first %d %s, after all %s (%+.1f%%); CPU %.3f s per 100 pods\n",
			g.Lifecycles, g.Concurrency, g.PodsPerS, g.FirstBatchPods, mb(g.RSSAfter100KB), mb(g.RSSAfterAllKB), g.GrowthPct, g.CPUPer100)
	}
	fmt.Fprintln(w)
}

func distCols(d *dist) string {
	if d == nil {
		return "-\t-\t-"
	}
	return fmt.Sprintf("%.2f\t%.2f\t%.2f", d.P50, d.P95, d.P99)
}

func ratioCol(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *v)
}

func mb(kb int64) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

// printFloor writes the canned server's figures: the least a CRI server
// can spend here (floor.go).
func printFloor(w io.Writer, r *results) {
	header := false
	for _, c := range r.Calls {
		if c.Floor == nil || c.Dockercri == nil {
			continue
		}
		if !header {
			fmt.Fprintln(w, "\nfloor: a gRPC server answering dockercri's own List bytes from memory (ms):")
			header = true
		}
		fmt.Fprintf(w, "  %-16s floor p50 %.2f p99 %.2f   dockercri p50 %.2f p99 %.2f   × p50 %s p99 %s\n",
			c.Call, c.Floor.P50, c.Floor.P99, c.Dockercri.P50, c.Dockercri.P99, ratioCol(c.FloorRatioP50), ratioCol(c.FloorRatioP99))
	}
	if f := r.Resources.Floor; f != nil {
		fmt.Fprintf(w, "floor: a gRPC server answering the 7 lifecycle calls (N=%d, C=%d): %.3f s CPU per 100 pods",
			f.Pods, f.Concurrency, f.GRPCCPUPer100)
		if f.AdapterFloorPer100 > 0 {
			fmt.Fprintf(w, "; + the bare Docker client = %.3f s, the least any CRI-over-Docker adapter spends", f.AdapterFloorPer100)
		}
		fmt.Fprintln(w)
		if f.AdapterDutyFloorPer100 > 0 {
			fmt.Fprintf(w, "floor with duties: + the client with an adapter's duties instead = %.3f s per 100 pods, the least an adapter that keeps CRI logs, an event-fed index and checkpoints spends\n",
				f.AdapterDutyFloorPer100)
		}
	}
}

// statsRPCs are the calls whose tail the stats section shows.
var statsRPCs = map[string]bool{"ContainerStats": true, "PodSandboxStats": true, "ListContainerStats": true, "ListPodSandboxStats": true}

// printStatsTail shows the stats RPCs' whole distribution, tail included:
// one slow answer delays kubelet's summary API and eviction manager.
func printStatsTail(w io.Writer, r *results) {
	var rows []callResult
	for _, c := range r.Calls {
		if c.Scenario == scSteady && statsRPCs[c.Call] && c.Dockercri != nil {
			rows = append(rows, c)
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\nstats RPCs with %v running pods (ms):\n", r.Config["steady_pods"])
	for _, c := range rows {
		d := c.Dockercri
		fmt.Fprintf(w, "  %-20s n=%-4d p50 %8.2f  p99 %8.2f  max %8.2f", c.Call, d.N, d.P50, d.P99, d.Max)
		if c.Docker != nil {
			fmt.Fprintf(w, "   raw (n=%d) p50 %8.2f max %8.2f", c.Docker.N, c.Docker.P50, c.Docker.Max)
		}
		fmt.Fprintln(w)
	}
}
