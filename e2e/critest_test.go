package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCritest runs the CRI conformance suite (critest, kubernetes-sigs/cri-tools)
// against dockercri, with every image it uses built locally (see
// critest_images_test.go) and served by a registry on 127.0.0.1.
//
//	DOCKERCRI_CRITEST=1        enable it (with DOCKERCRI_E2E=1; `make critest`)
//	CRITEST=/path/critest      the critest binary (`make tools` builds bin/critest)
//	DOCKERCRI_CRITEST_FOCUS=re run only the specs matching re (ginkgo focus)
//	DOCKERCRI_CRITEST_LOG=path also copy critest's full output there
//	DOCKERCRI_CRITEST_SKIP=path skip list to use instead of critest_skip.txt
//	                           (/dev/null: skip nothing but critest's benchmarks)
//	DOCKERCRI_CRITESTBIN=path  a prebuilt ./e2e/critestbin (where no Go is: the
//	                           cgroup v2 guest); else it is built here
//
// critest runs its specs one at a time (its default). Specs named in
// critest_skip.txt are skipped; any failed spec fails the test.
func TestCritest(t *testing.T) {
	skipUnlessE2E(t)
	critest := os.Getenv("CRITEST")
	if os.Getenv("DOCKERCRI_CRITEST") == "" || critest == "" {
		t.Skip("critest: set DOCKERCRI_CRITEST=1 and CRITEST=/path/to/critest (`make critest` does)")
	}
	if _, err := os.Stat(critest); err != nil {
		t.Fatalf("CRITEST: %v", err)
	}
	skipFile := "critest_skip.txt"
	if f := os.Getenv("DOCKERCRI_CRITEST_SKIP"); f != "" {
		skipFile = f
	}
	skip := readSkipList(t, skipFile)

	start := time.Now()
	reg := startRegistry(t)
	helper := buildCritestBin(t, t.TempDir())
	imgs := critestImages(t, helper)
	pushCritestImages(t, reg, imgs, helper)
	preseedImages(t, reg, imgs)
	t.Logf("critest images: %d pushed to %s, ready in %s", len(imgs), reg.host, time.Since(start).Round(time.Second))

	// critest pulls from gcr.io, registry.k8s.io and k8s.gcr.io by their
	// own names; dockercri's registry mirrors send those pulls to the local
	// registry and tag the images with the names critest asked for.
	var mirrors []string
	for _, upstream := range []string{"gcr.io", "registry.k8s.io", "k8s.gcr.io"} {
		mirrors = append(mirrors, "--registry-mirror", upstream+"="+reg.host)
	}
	d := startDaemon(t, withFlags(mirrors...))
	t.Cleanup(func() { sweepCritestContainers(t, start) }) // before the daemon stops

	dir := t.TempDir()
	logPath := filepath.Join(dir, "critest.log")
	reportPath := filepath.Join(dir, "critest-report.json")
	args := []string{
		"--runtime-endpoint", d.endpoint,
		"--image-endpoint", d.endpoint,
		"-ginkgo.no-color",
		"-ginkgo.v",
		"-ginkgo.json-report", reportPath,
	}
	if skip != "" {
		args = append(args, "-ginkgo.skip", skip)
	}
	if f := os.Getenv("DOCKERCRI_CRITEST_FOCUS"); f != "" {
		args = append(args, "-ginkgo.focus", f)
	}

	ctx := context.Background()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-2*time.Minute))
		defer cancel()
	}
	t.Logf("running %s %s", critest, strings.Join(args, " "))
	runStart := time.Now()
	runErr := runCritest(ctx, t, critest, args, dir, logPath)
	t.Logf("critest ran %s (exit: %v)", time.Since(runStart).Round(time.Second), runErr)
	// The temp dir goes with the test: keep the output where asked, or
	// where the failure report can point to.
	keep := os.Getenv("DOCKERCRI_CRITEST_LOG")
	if keep == "" && runErr != nil {
		keep = filepath.Join(os.TempDir(), "dockercri-critest-"+runID+".log")
	}
	if keep != "" {
		if data, err := os.ReadFile(logPath); err == nil && os.WriteFile(keep, data, 0o644) == nil {
			t.Logf("critest's full output: %s", keep)
		}
	}

	out, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	tally, ok := parseTally(string(out))
	if !ok {
		t.Fatalf("no ginkgo tally in critest output (exit: %v); last lines:\n%s", runErr, tail(string(out), 60))
	}
	t.Logf("critest tally: Ran %d of %d Specs | %d Passed | %d Failed | %d Pending | %d Skipped",
		tally.ran, tally.total, tally.passed, tally.failed, tally.pending, tally.skipped)

	specs, err := readReport(reportPath)
	if err != nil {
		t.Errorf("read ginkgo JSON report: %v", err)
	}
	for _, s := range specs {
		if s.State == "skipped" && s.Failure.Message != "" {
			t.Logf("skipped itself: %s\n    %s", s.name(), firstLines(s.Failure.Message, 2))
		}
	}
	var failed []string
	for _, s := range specs {
		if s.failed() {
			failed = append(failed, fmt.Sprintf("[%s] %s\n    at %s:%d\n    %s", s.State, s.name(),
				filepath.Base(s.Failure.Location.FileName), s.Failure.Location.LineNumber,
				firstLines(s.Failure.Message, 6)))
		}
	}
	if tally.failed > 0 || len(failed) > 0 {
		t.Errorf("critest: %d of %d specs failed:\n%s", tally.failed, tally.ran, strings.Join(failed, "\n"))
	} else if runErr != nil {
		t.Errorf("critest exited with %v and no failed spec; last lines:\n%s", runErr, tail(string(out), 40))
	}
}

// runCritest runs critest in dir, writing its output to logPath and logging
// one line per finished spec as it goes.
func runCritest(ctx context.Context, t *testing.T, bin string, args []string, dir, logPath string) error {
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	pr, pw := io.Pipe()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start critest: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		streamSummary(t, io.TeeReader(pr, logFile))
	}()
	err = cmd.Wait()
	pw.Close()
	<-done
	return err
}

// streamSummary logs the outcome of every spec from ginkgo's verbose output:
// after a "-----" line comes the spec's full text, and its block ends with a
// result marker ("• [1.2 seconds]", "• [FAILED] [...]", "S [SKIPPED] [...]").
func streamSummary(t *testing.T, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var spec string
	afterSep := false
	n := 0
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " ")
		switch {
		case strings.HasPrefix(line, "------"):
			afterSep = true
			continue
		case afterSep && strings.HasPrefix(line, "[k8s.io]"):
			spec = line
		case spec != "" && (strings.HasPrefix(line, "• ") || strings.HasPrefix(line, "S [SKIPPED]") ||
			strings.HasPrefix(line, "P [PENDING]")):
			n++
			t.Logf("spec %3d %-32s %s", n, line, spec)
			spec = ""
		case strings.HasPrefix(line, "Ran ") && strings.Contains(line, " Specs in "):
			t.Log(line)
		}
		afterSep = false
	}
}
