package main

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/container"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/translate"
)

const (
	// callTimeout bounds every single call of either side.
	callTimeout = 2 * time.Minute
	// sandboxStopGrace is what dockercri gives a sandbox's pause container
	// (shim.sandboxStopGrace); the pause program exits on SIGTERM at once.
	sandboxStopGrace = 10
)

// The calls of one pod lifecycle, in order, with what the raw side does.
var lifecycleCalls = []struct{ call, raw string }{
	{"RunPodSandbox", "ContainerCreate+ContainerStart (pause)"},
	{"CreateContainer", "ContainerCreate"},
	{"StartContainer", "ContainerStart"},
	{"StopContainer", "ContainerStop t=0"},
	{"RemoveContainer", "ContainerRemove force"},
	{"StopPodSandbox", "ContainerStop t=10 (pause)"},
	{"RemovePodSandbox", "ContainerRemove force (pause)"},
}

// step times one call (when scenario is not empty) under callTimeout.
func (b *bench) step(ctx context.Context, scenario, call, side string, fn func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	run := func() error {
		if err := fn(cctx); err != nil {
			return fmt.Errorf("%s %s: %w", side, call, err)
		}
		return nil
	}
	if scenario == "" {
		return run()
	}
	return b.rec.timed(scenario, call, side, run)
}

// criPath is a CRI server the lifecycle calls go to: dockercri, or the
// canned server of the floor measurement.
type criPath struct {
	side string
	rt   runtimeapi.RuntimeServiceClient
}

func (b *bench) dockercriPath() criPath { return criPath{side: sideCRI, rt: b.rt} }

// criStartPod runs p's sandbox and container through dockercri.
func (b *bench) criStartPod(ctx context.Context, scenario string, p *pod) (sid, cid string, err error) {
	return b.startPodVia(ctx, b.dockercriPath(), scenario, p)
}

func (b *bench) startPodVia(ctx context.Context, via criPath, scenario string, p *pod) (sid, cid string, err error) {
	err = b.step(ctx, scenario, "RunPodSandbox", via.side, func(ctx context.Context) error {
		r, err := via.rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: p.sandbox})
		sid = r.GetPodSandboxId()
		return err
	})
	if err != nil {
		return "", "", err
	}
	err = b.step(ctx, scenario, "CreateContainer", via.side, func(ctx context.Context) error {
		r, err := via.rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sid, Config: p.container, SandboxConfig: p.sandbox})
		cid = r.GetContainerId()
		return err
	})
	if err != nil {
		return sid, "", err
	}
	err = b.step(ctx, scenario, "StartContainer", via.side, func(ctx context.Context) error {
		_, err := via.rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: cid})
		return err
	})
	return sid, cid, err
}

// criStopPod stops and removes a pod through dockercri, as kubelet does.
func (b *bench) criStopPod(ctx context.Context, scenario, sid, cid string) error {
	return b.stopPodVia(ctx, b.dockercriPath(), scenario, podIDs{sid, cid})
}

// podIDs are a running pod's sandbox and container ids.
type podIDs struct{ sid, cid string }

func (b *bench) stopPodVia(ctx context.Context, via criPath, scenario string, ids podIDs) error {
	steps := []struct {
		call string
		fn   func(context.Context) error
	}{
		{"StopContainer", func(ctx context.Context) error {
			_, err := via.rt.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: ids.cid, Timeout: 0})
			return err
		}},
		{"RemoveContainer", func(ctx context.Context) error {
			_, err := via.rt.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: ids.cid})
			return err
		}},
		{"StopPodSandbox", func(ctx context.Context) error {
			_, err := via.rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: ids.sid})
			return err
		}},
		{"RemovePodSandbox", func(ctx context.Context) error {
			_, err := via.rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: ids.sid})
			return err
		}},
	}
	for i, s := range steps {
		if ids.cid == "" && i < 2 {
			continue // the container was never created
		}
		if err := b.step(ctx, scenario, s.call, via.side, s.fn); err != nil {
			return err
		}
	}
	return nil
}

// criLifecycle is one whole pod life through dockercri.
func (b *bench) criLifecycle(ctx context.Context, scenario string, p *pod) error {
	return b.lifecycleVia(ctx, b.dockercriPath(), scenario, p)
}

func (b *bench) lifecycleVia(ctx context.Context, via criPath, scenario string, p *pod) error {
	sid, cid, err := b.startPodVia(ctx, via, scenario, p)
	if err != nil {
		return err
	}
	return b.stopPodVia(ctx, via, scenario, podIDs{sid, cid})
}

// rawLifecycle does what criLifecycle makes dockerd do, straight against
// the Docker API, with the create specs dockercri would send.
func (b *bench) rawLifecycle(ctx context.Context, scenario string, p *pod) error {
	sbSpec, err := b.sandboxSpec(p)
	if err != nil {
		return err
	}
	var sid, cid string
	var cSpec *translate.CreateSpec
	steps := []struct {
		call string
		fn   func(context.Context) error
	}{
		{"RunPodSandbox", func(ctx context.Context) error {
			if sid, err = b.rawCreate(ctx, sbSpec); err != nil {
				return err
			}
			return b.docker.ContainerStart(ctx, sid, container.StartOptions{})
		}},
		{"CreateContainer", func(ctx context.Context) error {
			if cSpec, err = b.containerSpec(p, sid); err != nil {
				return err
			}
			cid, err = b.rawCreate(ctx, cSpec)
			return err
		}},
		{"StartContainer", func(ctx context.Context) error {
			return b.docker.ContainerStart(ctx, cid, container.StartOptions{})
		}},
		{"StopContainer", func(ctx context.Context) error {
			return b.docker.ContainerStop(ctx, cid, container.StopOptions{Timeout: ptr(0)})
		}},
		{"RemoveContainer", func(ctx context.Context) error {
			return b.docker.ContainerRemove(ctx, cid, container.RemoveOptions{Force: true, RemoveVolumes: true})
		}},
		{"StopPodSandbox", func(ctx context.Context) error {
			return b.docker.ContainerStop(ctx, sid, container.StopOptions{Timeout: ptr(sandboxStopGrace)})
		}},
		{"RemovePodSandbox", func(ctx context.Context) error {
			return b.docker.ContainerRemove(ctx, sid, container.RemoveOptions{Force: true, RemoveVolumes: true})
		}},
	}
	for _, s := range steps {
		if err := b.step(ctx, scenario, s.call, sideRaw, s.fn); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) rawCreate(ctx context.Context, spec *translate.CreateSpec) (string, error) {
	r, err := b.docker.ContainerCreate(ctx, spec.Config, spec.HostConfig, spec.Networking, nil, spec.Name)
	return r.ID, err
}

func ptr[T any](v T) *T { return &v }
