package main

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/translate"
)

// steadyCalls are the calls kubelet makes over and over on a node with
// running pods, each with the Docker call(s) that answer the same question.
// The unfiltered Lists also go to the canned server (floor.go).
func (b *bench) steadyCalls(pods []steadyPod, floor *floorServer) []pairCall {
	m, k := len(pods), b.o.iterations
	pick := func(i int) steadyPod { return pods[i%m] }
	typeFilter := func(typ string, kv ...string) filters.Args {
		f := filters.NewArgs(filters.Arg("label", translate.LabelType+"="+typ))
		for _, l := range kv {
			f.Add("label", l)
		}
		return f
	}
	list := func(ctx context.Context, all bool, f filters.Args) ([]container.Summary, error) {
		return b.docker.ContainerList(ctx, container.ListOptions{All: all, Filters: f})
	}
	calls := []pairCall{
		{name: "ListPodSandbox", rawDesc: "ContainerList all, label type=podsandbox", iterations: k,
			cri: func(ctx context.Context, _ int) error {
				r, err := b.rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
				if err != nil {
					return err
				}
				return expectAtLeast("ListPodSandbox", len(r.Items), m)
			},
			raw: func(ctx context.Context, _ int) error {
				l, err := list(ctx, true, typeFilter(translate.TypeSandbox))
				if err != nil {
					return err
				}
				return expectAtLeast("ContainerList", len(l), m)
			},
			floor: func(ctx context.Context, _ int) error {
				r, err := floor.rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
				if err != nil {
					return err
				}
				return expectAtLeast("canned ListPodSandbox", len(r.Items), m)
			}},
		{name: "ListContainers", rawDesc: "ContainerList all, label type=container", iterations: k,
			cri: func(ctx context.Context, _ int) error {
				r, err := b.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
				if err != nil {
					return err
				}
				return expectAtLeast("ListContainers", len(r.Containers), m)
			},
			raw: func(ctx context.Context, _ int) error {
				l, err := list(ctx, true, typeFilter(translate.TypeContainer))
				if err != nil {
					return err
				}
				return expectAtLeast("ContainerList", len(l), m)
			},
			floor: func(ctx context.Context, _ int) error {
				r, err := floor.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
				if err != nil {
					return err
				}
				return expectAtLeast("canned ListContainers", len(r.Containers), m)
			}},
		{name: "ListContainers label", rawDesc: "ContainerList all, labels type=container,pod.uid=U", iterations: k,
			cri: func(ctx context.Context, i int) error {
				r, err := b.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
					LabelSelector: map[string]string{labelPodUID: pick(i).uid}}})
				if err != nil {
					return err
				}
				return expectExactly("ListContainers by label", len(r.Containers), 1)
			},
			raw: func(ctx context.Context, i int) error {
				l, err := list(ctx, true, typeFilter(translate.TypeContainer, labelPodUID+"="+pick(i).uid))
				if err != nil {
					return err
				}
				return expectExactly("ContainerList by label", len(l), 1)
			}},
		{name: "PodSandboxStatus", rawDesc: "ContainerInspect", iterations: k,
			cri: func(ctx context.Context, i int) error {
				r, err := b.rt.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: pick(i).sid})
				if err == nil && r.GetStatus().GetState() != runtimeapi.PodSandboxState_SANDBOX_READY {
					err = fmt.Errorf("sandbox %s is %v", pick(i).sid, r.GetStatus().GetState())
				}
				return err
			},
			raw: func(ctx context.Context, i int) error {
				_, err := b.docker.ContainerInspect(ctx, pick(i).sid)
				return err
			}},
		{name: "ContainerStatus", rawDesc: "ContainerInspect", iterations: k,
			cri: func(ctx context.Context, i int) error {
				r, err := b.rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: pick(i).cid})
				if err == nil && r.GetStatus().GetState() != runtimeapi.ContainerState_CONTAINER_RUNNING {
					err = fmt.Errorf("container %s is %v", pick(i).cid, r.GetStatus().GetState())
				}
				return err
			},
			raw: func(ctx context.Context, i int) error {
				_, err := b.docker.ContainerInspect(ctx, pick(i).cid)
				return err
			}},
		{name: "ImageFsInfo", rawDesc: "Info", iterations: k,
			cri: func(ctx context.Context, _ int) error {
				_, err := b.is.ImageFsInfo(ctx, &runtimeapi.ImageFsInfoRequest{})
				return err
			},
			raw: func(ctx context.Context, _ int) error {
				_, err := b.docker.Info(ctx)
				return err
			}},
		{name: "ListImages", rawDesc: "ImageList", iterations: k,
			cri: func(ctx context.Context, _ int) error {
				_, err := b.is.ListImages(ctx, &runtimeapi.ListImagesRequest{})
				return err
			},
			raw: func(ctx context.Context, _ int) error {
				_, err := b.docker.ImageList(ctx, image.ListOptions{})
				return err
			}},
		{name: "Status", rawDesc: "Ping", iterations: k,
			cri: func(ctx context.Context, _ int) error {
				_, err := b.rt.Status(ctx, &runtimeapi.StatusRequest{})
				return err
			},
			raw: func(ctx context.Context, _ int) error {
				_, err := b.docker.Ping(ctx)
				return err
			}},
	}
	return append(calls, b.statsCalls(pods)...)
}

func expectExactly(what string, got, want int) error {
	if got != want {
		return fmt.Errorf("%s returned %d items, want %d", what, got, want)
	}
	return nil
}
