// Command dockercri-bench measures what dockercri costs on top of Docker
// Engine (issue #7). In one run it drives the same work (a) through
// dockercri's CRI socket and (b) straight against the Docker API with the
// exact create configs dockercri would use (built by translate.SandboxSpec
// and translate.ContainerSpec from the same CRI configs), interleaved round
// by round, and prints p50/p95/p99 per call and the ratio dockercri/raw.
//
// Scenarios: pod lifecycle at concurrency C; steady-state reads with M
// running pods; ExecSync; dockercri's own RSS and CPU from /proc.
//
// This file holds flags and wiring only.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	dockercriBin   string
	endpoint       string
	dockerEndpoint string
	image          string
	jsonPath       string
	daemonLog      string

	pods            int
	concurrency     int
	round           int
	steadyPods      int
	iterations      int
	statsIterations int
	statsParallel   int
	rawStatsIters   int
	execIterations  int
	lifecyclesRSS   int
	idleWindow      time.Duration
	settle          time.Duration
	gap             time.Duration

	dockerLogMaxSize string
	dockerLogMaxFile int
	daemonArgs       []string

	serveCanned string // internal: run as the floor's canned server
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("dockercri-bench", flag.ContinueOnError)
	fs.StringVar(&o.dockercriBin, "dockercri-bin", "", "start this dockercri binary on a temp socket and root (--network-plugin=), stop it by PID at the end")
	fs.StringVar(&o.endpoint, "endpoint", "", "use an already running dockercri at unix:///PATH instead of --dockercri-bin")
	fs.StringVar(&o.dockerEndpoint, "docker-endpoint", "", "Docker Engine endpoint (default: $DOCKER_HOST, else unix:///var/run/docker.sock)")
	fs.StringVar(&o.image, "image", busyboxImage, "container image (the busybox test image, built locally when absent)")
	fs.StringVar(&o.jsonPath, "json", "bin/bench.json", "write the results as JSON to this file (empty: don't)")
	fs.StringVar(&o.daemonLog, "daemon-log", "", "keep the started daemon's log here (default: a temp file, printed on failure)")
	fs.IntVar(&o.pods, "pods", 100, "N: pod lifecycles per side (0 skips the lifecycle scenario)")
	fs.IntVar(&o.concurrency, "concurrency", 8, "C: concurrent pod lifecycles")
	fs.IntVar(&o.round, "round", 0, "pods per side per interleaved round (default 2*C)")
	fs.IntVar(&o.steadyPods, "steady-pods", 100, "M: running pods during the steady-state and exec scenarios (0 skips both)")
	fs.IntVar(&o.iterations, "iterations", 200, "K: iterations of each steady-state call per side")
	fs.IntVar(&o.statsIterations, "stats-iterations", 0, "iterations of each stats RPC on dockercri (default K)")
	fs.IntVar(&o.rawStatsIters, "raw-stats-iterations", 30, "iterations of the List*Stats raw side (one-shot stats of every running container: about a second each)")
	fs.IntVar(&o.statsParallel, "stats-parallel", 0, "concurrent one-shot ContainerStats calls on the raw side (default all at once: dockerd answers each at its stats collector's next 1 s tick)")
	fs.IntVar(&o.execIterations, "exec", 200, "ExecSync iterations per side (0 skips)")
	fs.IntVar(&o.lifecyclesRSS, "lifecycles-rss", 1000, "dockercri-only pod lifecycles of the RSS-growth run (0 skips it)")
	fs.DurationVar(&o.idleWindow, "idle-window", 5*time.Second, "how long idle CPU is measured")
	fs.DurationVar(&o.settle, "settle", 2*time.Second, "pause before each RSS sample")
	fs.DurationVar(&o.gap, "gap", 5*time.Millisecond, "pause before each steady-state call (both sides), so one call's after-effects in dockerd (a big list's garbage collection) do not land on the next one; kubelet's own cadence is one relist per second")
	fs.StringVar(&o.dockerLogMaxSize, "docker-log-max-size", "10m", "passed to the daemon and used in the raw specs")
	fs.IntVar(&o.dockerLogMaxFile, "docker-log-max-file", 3, "passed to the daemon and used in the raw specs")
	fs.Func("daemon-arg", "one more flag for the started daemon, e.g. --daemon-arg=--debug-addr=127.0.0.1:6060 to profile it (repeatable)", func(v string) error {
		o.daemonArgs = append(o.daemonArgs, v)
		return nil
	})
	fs.StringVar(&o.serveCanned, "serve-canned", "", "internal: serve canned CRI answers from this directory (the floor measurement starts the bench itself this way)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.serveCanned != "" {
		return o, nil
	}
	if (o.dockercriBin == "") == (o.endpoint == "") {
		return nil, fmt.Errorf("give exactly one of --dockercri-bin and --endpoint")
	}
	if o.concurrency < 1 || o.pods < 0 || o.steadyPods < 0 || o.iterations < 0 || o.execIterations < 0 || o.lifecyclesRSS < 0 || o.statsParallel < 0 {
		return nil, fmt.Errorf("counts must not be negative; --concurrency at least 1")
	}
	if o.round <= 0 {
		o.round = 2 * o.concurrency
	}
	if o.statsIterations <= 0 {
		o.statsIterations = o.iterations
	}
	if o.dockerEndpoint == "" && os.Getenv("DOCKER_HOST") == "" {
		o.dockerEndpoint = "unix:///var/run/docker.sock"
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err == flag.ErrHelp {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dockercri-bench:", err)
		os.Exit(2)
	}
	if o.serveCanned != "" {
		if err := serveCanned(o.serveCanned); err != nil {
			fmt.Fprintln(os.Stderr, "dockercri-bench --serve-canned:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	go func() {
		// A second Ctrl-C during cleanup kills the bench the usual way.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "dockercri-bench:", err)
		os.Exit(1)
	}
}

// run sets up, runs every scenario in order and reports. Cleanup (every
// container of the bench's namespace, the daemon, the temp dir) runs
// whatever happens.
func run(ctx context.Context, o *options) (retErr error) {
	b, err := newBench(ctx, o)
	if b != nil {
		defer func() {
			if err := b.close(retErr != nil); err != nil && retErr == nil {
				retErr = err
			}
		}()
	}
	if err != nil {
		return err
	}
	logf("namespace %s, dockercri pid %d, docker %s (API %s)", b.ns, b.pid, b.dockerVersion, b.docker.ClientVersion())

	steps := []struct {
		name string
		skip bool
		fn   func(context.Context) error
	}{
		{"idle", false, b.idleScenario},
		{"spec check", false, b.specScenario},
		{"lifecycle", o.pods == 0, b.lifecycleScenario},
		{"steady state and exec", o.steadyPods == 0, b.steadyScenario},
		{"rss growth", o.lifecyclesRSS == 0, b.rssScenario},
	}
	for _, s := range steps {
		if s.skip {
			continue
		}
		logf("scenario: %s", s.name)
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	res := b.results()
	printTable(os.Stdout, res)
	if o.jsonPath != "" {
		if err := writeJSON(o.jsonPath, res); err != nil {
			return err
		}
		logf("wrote %s", o.jsonPath)
	}
	return nil
}

// logf prints progress to stderr, keeping stdout for the table.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
