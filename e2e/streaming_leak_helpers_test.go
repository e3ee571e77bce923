package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// daemonDebug reads the health numbers of a daemon started with
// --debug-addr: goroutines (pprof) and open fds (/proc/<pid>/fd).
type daemonDebug struct {
	addr string
	pid  int
}

var pprofAddrRe = regexp.MustCompile(`pprof debug server listening.*addr="?([^"\s]+)`)

// debugOf finds the pprof address the daemon logged.
func debugOf(t testing.TB, d *daemon) *daemonDebug {
	t.Helper()
	var addr string
	eventually(10*time.Second, func() bool {
		data, _ := os.ReadFile(d.stderrPath)
		if m := pprofAddrRe.FindSubmatch(data); m != nil {
			addr = string(m[1])
		}
		return addr != ""
	})
	if addr == "" {
		t.Fatalf("no %q line with addr= in the daemon's log", "pprof debug server listening")
	}
	return &daemonDebug{addr: addr, pid: d.cmd.Process.Pid}
}

// goroutines returns N of "goroutine profile: total N".
func (g *daemonDebug) goroutines(t testing.TB) int {
	t.Helper()
	cl := &http.Client{Timeout: 10 * time.Second}
	resp, err := cl.Get("http://" + g.addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatalf("pprof: %v", err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil {
		t.Fatalf("pprof: %v", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "goroutine profile: total ")))
	if err != nil {
		t.Fatalf("pprof first line %q: %v", line, err)
	}
	return n
}

// profile returns the first max bytes of the grouped goroutine profile.
func (g *daemonDebug) profile(max int64) string {
	cl := &http.Client{Timeout: 10 * time.Second}
	resp, err := cl.Get("http://" + g.addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, max))
	return string(b)
}

// heap returns the runtime.MemStats heap lines of the heap profile, taken
// after a forced GC (HeapInuse is live memory; RSS lags behind it).
func (g *daemonDebug) heap() string {
	cl := &http.Client{Timeout: 30 * time.Second}
	resp, err := cl.Get("http://" + g.addr + "/debug/pprof/heap?debug=1&gc=1")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var out []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		for _, k := range []string{"# HeapAlloc = ", "# HeapInuse = ", "# HeapIdle = ", "# HeapReleased = "} {
			if strings.HasPrefix(sc.Text(), k) {
				out = append(out, strings.TrimPrefix(sc.Text(), "# "))
			}
		}
	}
	return strings.Join(out, ", ")
}

// fds counts the daemon's open file descriptors.
func (g *daemonDebug) fds(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", g.pid))
	if err != nil {
		t.Fatalf("daemon fds: %v", err)
	}
	return len(ents)
}

// rssKiB returns the daemon's resident set size.
func (g *daemonDebug) rssKiB(t testing.TB) int {
	t.Helper()
	return g.statusKiB(t, "VmRSS:")
}

// statusKiB returns a KiB field (VmRSS:, VmHWM:) of /proc/<pid>/status.
func (g *daemonDebug) statusKiB(t testing.TB, field string) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", g.pid))
	if err != nil {
		t.Fatalf("daemon status: %v", err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == field {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, g.pid)
	return 0
}

// health is one reading of goroutines and fds.
type health struct{ goroutines, fds int }

func (h health) String() string { return fmt.Sprintf("%d goroutines, %d fds", h.goroutines, h.fds) }

func (g *daemonDebug) read(t testing.TB) health {
	return health{goroutines: g.goroutines(t), fds: g.fds(t)}
}

// stable polls until two readings 500ms apart agree (or 10s pass) and
// returns the last one: a baseline not caught mid-session.
func (g *daemonDebug) stable(t testing.TB) health {
	prev := g.read(t)
	for i := 0; i < 20; i++ {
		time.Sleep(500 * time.Millisecond)
		cur := g.read(t)
		if cur == prev {
			return cur
		}
		prev = cur
	}
	return prev
}

// settle polls for up to timeout until the reading is within margin of
// base; it returns the last reading, whether it settled and how long it
// took.
func (g *daemonDebug) settle(t testing.TB, base health, margin int, timeout time.Duration) (health, bool, time.Duration) {
	start := time.Now()
	var cur health
	ok := eventually(timeout, func() bool {
		cur = g.read(t)
		return cur.goroutines <= base.goroutines+margin && cur.fds <= base.fds+margin
	})
	return cur, ok, time.Since(start)
}

// parallel runs fn(0..n-1) on workers goroutines and returns the errors.
func parallel(n, workers int, fn func(i int) error) []error {
	var next atomic.Int64
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("#%d: %w", i, err))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return errs
}
