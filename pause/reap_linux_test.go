//go:build linux

package pause

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// helperEnv selects a helper role when the test binary runs itself.
const helperEnv = "DOCKERCRI_PAUSE_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "spawn-orphan":
		// Start a child that lives until its stdin (shared with ours) is
		// closed, and exit without waiting for it: it becomes an orphan.
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		child := exec.Command(exe)
		child.Env = append(os.Environ(), helperEnv+"=wait-eof")
		child.Stdin = os.Stdin
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	case "wait-eof":
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestReapsOrphans runs pause as PID 1 of a new pid namespace, makes an orphan
// in that namespace (so the kernel reparents it to pause), lets it exit while
// pause is stopped to see the zombie, and checks that pause reaps it once it
// runs again.
func TestReapsOrphans(t *testing.T) {
	path := writeBinary(t, runtime.GOARCH)
	cmd := exec.Command(path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	pause, err := start(t, cmd)
	if errors.Is(err, syscall.EPERM) {
		t.Skipf("cannot create a pid namespace (%v): this test needs root or CAP_SYS_ADMIN", err)
	}
	if err != nil {
		t.Fatalf("start pause in a new pid namespace: %v", err)
	}
	pid := cmd.Process.Pid
	pause.requireAlive(t, 100*time.Millisecond, "as a pid-namespace init")

	// The orphan lives until release is closed.
	wait, release, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer release.Close()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	helper := exec.Command(exe)
	helper.Env = append(os.Environ(), helperEnv+"=spawn-orphan")
	helper.Stdin = wait
	helper.Stderr = os.Stderr
	err = startInPidNamespace(pid, helper)
	wait.Close()
	if err != nil {
		t.Fatalf("start helper in the pause's pid namespace: %v", err)
	}
	if err := helper.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}

	var orphan int
	waitUntil(t, func() (bool, string) {
		kids := children(pid)
		if len(kids) == 1 {
			orphan = kids[0]
		}
		return len(kids) == 1, fmt.Sprintf("children of pause %d: %v, want the one orphan", pid, kids)
	})

	// With pause stopped nobody reaps: the exited orphan must show as a zombie.
	pause.signal(t, syscall.SIGSTOP)
	waitUntil(t, func() (bool, string) {
		st, _ := state(pid)
		return st == 'T', fmt.Sprintf("pause %d in state %q, want T (stopped)", pid, st)
	})
	release.Close()
	waitUntil(t, func() (bool, string) {
		st, ppid := state(orphan)
		return st == 'Z' && ppid == pid, fmt.Sprintf("orphan %d in state %q parent %d, want Z (zombie) of %d", orphan, st, ppid, pid)
	})

	pause.signal(t, syscall.SIGCONT)
	waitUntil(t, func() (bool, string) {
		st, ppid := state(orphan)
		return st == 0, fmt.Sprintf("orphan %d still in state %q parent %d after pause resumed: not reaped", orphan, st, ppid)
	})
	if kids := children(pid); len(kids) != 0 {
		t.Errorf("pause %d still has children %v", pid, kids)
	}
	pause.requireAlive(t, 100*time.Millisecond, "after reaping")
	pause.signal(t, syscall.SIGTERM)
	pause.requireExitZero(t, "after SIGTERM as a pid-namespace init")
}

// startInPidNamespace starts cmd in the pid namespace of process pid: it
// joins that namespace (for the children it creates) on a locked OS thread
// and forks from there. The thread is never unlocked, so it ends with its
// goroutine instead of going back to the runtime's pool.
func startInPidNamespace(pid int, cmd *exec.Cmd) error {
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/pid", pid))
	if err != nil {
		return err
	}
	defer ns.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWPID); err != nil {
			errc <- fmt.Errorf("setns(CLONE_NEWPID): %w", err)
			return
		}
		errc <- cmd.Start()
	}()
	return <-errc
}

// waitUntil polls cond for up to 10 seconds and fails the test with cond's
// message if it never holds.
func waitUntil(t *testing.T, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, msg := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// state returns the state letter (R, S, Z, T…) and parent pid of process pid
// from /proc/<pid>/stat, or 0, 0 if there is no such process.
func state(pid int) (byte, int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	// "pid (comm) state ppid …"; comm may hold spaces and parentheses.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return 0, 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return fields[0][0], ppid
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ppid := state(p); st != 0 && ppid == pid {
			kids = append(kids, p)
		}
	}
	return kids
}
