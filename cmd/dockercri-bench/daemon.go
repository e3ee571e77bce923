package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const (
	daemonStartTimeout = 60 * time.Second
	daemonStopTimeout  = 20 * time.Second
	// maxMsgSize matches kubelet's CRI client limit.
	maxMsgSize = 16 << 20
)

// daemonProc is a process the bench started (and must stop): dockercri,
// or the canned gRPC server of the floor measurement.
type daemonProc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	waitErr error
}

// startDaemon starts bin on a socket and root under dir with Docker's
// bridge network.
func startDaemon(bin, dir, logPath, metricsAddr string, o *options) (*daemonProc, string, error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, "", err
	}
	endpoint := "unix://" + filepath.Join(dir, "cri.sock")
	args := []string{
		"--container-runtime-endpoint", endpoint,
		"--root-directory", filepath.Join(dir, "root"),
		"--network-plugin=",
		"--streaming-bind-addr", "127.0.0.1:0",
		"--docker-log-max-size", o.dockerLogMaxSize,
		"--docker-log-max-file", fmt.Sprint(o.dockerLogMaxFile),
	}
	if o.dockerEndpoint != "" {
		args = append(args, "--docker-endpoint", o.dockerEndpoint)
	}
	if metricsAddr != "" {
		args = append(args, "--metrics-bind-addr", metricsAddr)
	}
	args = append(args, o.daemonArgs...)
	d, err := startProc("dockercri", abs, args, logPath)
	return d, endpoint, err
}

// startProc starts bin with args, its output in logPath, in its own
// process group (a terminal Ctrl-C reaches the bench only, which then
// cleans up and stops it by PID).
func startProc(name, bin string, args []string, logPath string) (*daemonProc, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	d := &daemonProc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		d.waitErr = cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

func (d *daemonProc) pid() int { return d.cmd.Process.Pid }

// exited reports the daemon's exit, if it has exited.
func (d *daemonProc) exited() error {
	select {
	case <-d.done:
		return fmt.Errorf("%s exited: %v", d.name, d.waitErr)
	default:
		return nil
	}
}

// stop sends SIGTERM to the daemon's PID, and SIGKILL if it has not exited
// within daemonStopTimeout.
func (d *daemonProc) stop() error {
	if d.exited() != nil {
		return nil
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
		return nil
	case <-time.After(daemonStopTimeout):
		_ = d.cmd.Process.Kill()
		<-d.done
		return fmt.Errorf("%s did not exit within %s of SIGTERM; killed", d.name, daemonStopTimeout)
	}
}

// logTail returns the last n lines of the daemon's log.
func (d *daemonProc) logTail(n int) string {
	data, err := os.ReadFile(d.logPath)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// dialCRI connects to endpoint and waits until Version answers (or alive
// reports that the daemon died).
func dialCRI(ctx context.Context, endpoint string, alive func() error) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient(endpoint,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize), grpc.MaxCallSendMsgSize(maxMsgSize)))
	if err != nil {
		return nil, err
	}
	rt := runtimeapi.NewRuntimeServiceClient(conn)
	deadline := time.Now().Add(daemonStartTimeout)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err = rt.Version(cctx, &runtimeapi.VersionRequest{})
		cancel()
		if err == nil {
			return conn, nil
		}
		if aerr := alive(); aerr != nil {
			conn.Close()
			return nil, aerr
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			conn.Close()
			return nil, fmt.Errorf("dockercri at %s did not answer Version: %w", endpoint, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
