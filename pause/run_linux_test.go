//go:build linux

package pause

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// writeBinary writes Binary(goarch) to an executable file in a temporary
// directory and returns its path.
func writeBinary(t *testing.T, goarch string) string {
	t.Helper()
	bin, err := Binary(goarch)
	if err != nil {
		t.Skipf("no pause binary for %s: %v", goarch, err)
	}
	path := filepath.Join(t.TempDir(), "pause")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// proc is a started process whose exit is reported on done.
type proc struct {
	cmd  *exec.Cmd
	done chan error
}

// start starts cmd and makes sure it is killed and waited for when the test
// ends.
func start(t *testing.T, cmd *exec.Cmd) (*proc, error) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // os.ErrProcessDone if it already exited
		<-p.done               // every reader of done puts the result back
	})
	return p, nil
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("send %v: %v", sig, err)
	}
}

// requireAlive fails if the process exits within d.
func (p *proc) requireAlive(t *testing.T, d time.Duration, why string) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		t.Fatalf("pause exited (%v, %v) %s; want it still running", err, p.cmd.ProcessState, why)
	case <-time.After(d):
	}
}

// requireExitZero fails unless the process exits with status 0 within 5s.
func (p *proc) requireExitZero(t *testing.T, why string) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil || p.cmd.ProcessState.ExitCode() != 0 {
			t.Fatalf("pause ended with %v (%v) %s; want exit status 0", err, p.cmd.ProcessState, why)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("pause still running 5s %s; want it to exit with status 0", why)
	}
}

// testSignals checks how the pause program started by newCmd reacts to
// signals; startup is how long to give it to block its signals.
func testSignals(t *testing.T, newCmd func() *exec.Cmd, startup time.Duration) {
	tests := []struct {
		name string
		sig  syscall.Signal
		exit bool
	}{
		{"SIGTERM exits 0", syscall.SIGTERM, true},
		{"SIGINT exits 0", syscall.SIGINT, true},
		{"SIGCHLD keeps running", syscall.SIGCHLD, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := start(t, newCmd())
			if err != nil {
				t.Fatal(err)
			}
			p.requireAlive(t, startup, "without any signal")
			p.signal(t, tt.sig)
			if tt.exit {
				p.requireExitZero(t, "after "+tt.sig.String())
				return
			}
			p.requireAlive(t, 300*time.Millisecond, "after "+tt.sig.String())
			p.signal(t, tt.sig)
			p.requireAlive(t, 100*time.Millisecond, "after a second "+tt.sig.String())
			p.signal(t, syscall.SIGTERM)
			p.requireExitZero(t, "after "+tt.sig.String()+" then SIGTERM")
		})
	}
}

func TestSignals(t *testing.T) {
	path := writeBinary(t, runtime.GOARCH)
	testSignals(t, func() *exec.Cmd { return exec.Command(path) }, 300*time.Millisecond)
}

// TestSignalsArm64UnderQemu runs the arm64 binary with qemu's user-mode
// emulator, when installed (Debian package qemu-user-static).
func TestSignalsArm64UnderQemu(t *testing.T) {
	if runtime.GOARCH == "arm64" {
		t.Skip("arm64 host: TestSignals runs the arm64 binary natively")
	}
	qemu, err := exec.LookPath("qemu-aarch64-static")
	if err != nil {
		t.Skip("qemu-aarch64-static not installed: cannot run the arm64 binary")
	}
	path := writeBinary(t, "arm64")
	testSignals(t, func() *exec.Cmd { return exec.Command(qemu, path) }, time.Second)
}
