package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync/atomic"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/translate"
)

// statsCalls are the four stats RPCs kubelet's summary API, eviction
// manager and `kubectl top` make, each against Docker's one-shot stats of
// the same containers. They run statsIterations times on dockercri; the
// raw side (dockerd answers one-shot stats at its collector's next tick,
// up to a second) only rawStatsIters times, which is enough for its median.
func (b *bench) statsCalls(pods []steadyPod) []pairCall {
	m, k, raw := len(pods), b.o.statsIterations, b.o.rawStatsIters
	pick := func(i int) steadyPod { return pods[i%m] }
	running := func(ctx context.Context, types ...string) ([]container.Summary, error) {
		f := filters.NewArgs()
		for _, t := range types {
			f.Add("label", translate.LabelType+"="+t)
		}
		return b.docker.ContainerList(ctx, container.ListOptions{Filters: f})
	}
	return []pairCall{
		{name: "ContainerStats", rawDesc: "one-shot ContainerStats", iterations: k, rawIterations: raw,
			cri: func(ctx context.Context, i int) error {
				r, err := b.rt.ContainerStats(ctx, &runtimeapi.ContainerStatsRequest{ContainerId: pick(i).cid})
				if err == nil && r.GetStats().GetMemory() == nil {
					err = fmt.Errorf("container %s: stats without memory", pick(i).cid)
				}
				return err
			},
			raw: func(ctx context.Context, i int) error {
				return b.rawStats(ctx, []string{pick(i).cid})
			}},
		{name: "PodSandboxStats", rawDesc: "one-shot ContainerStats of the pause and app container", iterations: k, rawIterations: raw,
			cri: func(ctx context.Context, i int) error {
				r, err := b.rt.PodSandboxStats(ctx, &runtimeapi.PodSandboxStatsRequest{PodSandboxId: pick(i).sid})
				if err == nil {
					err = expectExactly("PodSandboxStats containers", len(r.GetStats().GetLinux().GetContainers()), 1)
				}
				return err
			},
			raw: func(ctx context.Context, i int) error {
				return b.rawStats(ctx, []string{pick(i).sid, pick(i).cid})
			}},
		{name: "ListContainerStats", rawDesc: "ContainerList running + one-shot ContainerStats each",
			iterations: k, rawIterations: raw,
			cri: func(ctx context.Context, _ int) error {
				r, err := b.rt.ListContainerStats(ctx, &runtimeapi.ListContainerStatsRequest{})
				if err != nil {
					return err
				}
				return expectAtLeast("ListContainerStats", len(r.Stats), m)
			},
			raw: func(ctx context.Context, _ int) error {
				l, err := running(ctx, translate.TypeContainer)
				if err != nil {
					return err
				}
				if err := expectAtLeast("ContainerList running", len(l), m); err != nil {
					return err
				}
				return b.rawStats(ctx, summaryIDs(l))
			}},
		{name: "ListPodSandboxStats", rawDesc: "ContainerList running (pause and app) + one-shot ContainerStats each",
			iterations: k, rawIterations: raw,
			cri: func(ctx context.Context, _ int) error {
				r, err := b.rt.ListPodSandboxStats(ctx, &runtimeapi.ListPodSandboxStatsRequest{})
				if err != nil {
					return err
				}
				return expectAtLeast("ListPodSandboxStats", len(r.Stats), m)
			},
			raw: func(ctx context.Context, _ int) error {
				sbs, err := running(ctx, translate.TypeSandbox)
				if err != nil {
					return err
				}
				cs, err := running(ctx, translate.TypeContainer)
				if err != nil {
					return err
				}
				if err := expectAtLeast("ContainerList running", len(sbs)+len(cs), 2*m); err != nil {
					return err
				}
				return b.rawStats(ctx, append(summaryIDs(sbs), summaryIDs(cs)...))
			}},
	}
}

func summaryIDs(l []container.Summary) []string {
	ids := make([]string, len(l))
	for i, c := range l {
		ids[i] = c.ID
	}
	return ids
}

// rawStats takes one one-shot stats sample of every listed container,
// statsParallel at a time, decoding each as a client would.
func (b *bench) rawStats(ctx context.Context, ids []string) error {
	var got atomic.Int64
	workers := b.o.statsParallel
	if workers == 0 {
		workers = len(ids)
	}
	err := runPool(ctx, workers, len(ids), func(i int) error {
		r, err := b.docker.ContainerStatsOneShot(ctx, ids[i])
		if cerrdefs.IsNotFound(err) {
			got.Add(1) // removed meanwhile (not one of the bench's)
			return nil
		}
		if err != nil {
			return err
		}
		defer r.Body.Close()
		var s container.StatsResponse
		if err := json.NewDecoder(r.Body).Decode(&s); err != nil && err != io.EOF {
			return fmt.Errorf("stats of %s: %w", ids[i][:12], err)
		}
		got.Add(1)
		return nil
	})
	if err != nil {
		return err
	}
	return expectAtLeast("one-shot stats", int(got.Load()), len(ids))
}
