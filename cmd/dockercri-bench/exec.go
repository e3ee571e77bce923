package main

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

var execCmd = []string{"echo", "hi"}

const execWant = "hi\n"

// execCall is ExecSync `echo hi` against the raw exec sequence dockercri's
// ExecSync makes: create, attach (starts it) and read to EOF, inspect
// until it is no longer running.
func (b *bench) execCall(pods []steadyPod) pairCall {
	pick := func(i int) string { return pods[i%len(pods)].cid }
	return pairCall{
		name: "ExecSync echo hi", rawDesc: "ExecCreate+ExecAttach+read to EOF+ExecInspect",
		iterations: b.o.execIterations,
		cri: func(ctx context.Context, i int) error {
			r, err := b.rt.ExecSync(ctx, &runtimeapi.ExecSyncRequest{ContainerId: pick(i), Cmd: execCmd, Timeout: 10})
			if err != nil {
				return err
			}
			return checkExec(string(r.Stdout), string(r.Stderr), int(r.ExitCode))
		},
		raw: func(ctx context.Context, i int) error {
			return b.rawExec(ctx, pick(i))
		},
	}
}

func (b *bench) rawExec(ctx context.Context, id string) error {
	ex, err := b.docker.ContainerExecCreate(ctx, id, container.ExecOptions{Cmd: execCmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return err
	}
	h, err := b.docker.ContainerExecAttach(ctx, ex.ID, container.ExecAttachOptions{})
	if err != nil {
		return err
	}
	var stdout, stderr bytes.Buffer
	_, err = stdcopy.StdCopy(&stdout, &stderr, h.Reader)
	h.Close()
	if err != nil {
		return fmt.Errorf("reading exec output: %w", err)
	}
	// Docker may report the exec running for a moment after its stream
	// ends: poll as dockercri does.
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, err := b.docker.ContainerExecInspect(ctx, ex.ID)
		if err != nil {
			return err
		}
		if !info.Running || time.Now().After(deadline) {
			return checkExec(stdout.String(), stderr.String(), info.ExitCode)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func checkExec(stdout, stderr string, code int) error {
	if stdout != execWant || code != 0 {
		return fmt.Errorf("exec echo hi: stdout %q, stderr %q, exit code %d", stdout, stderr, code)
	}
	return nil
}
