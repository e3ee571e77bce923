package shim

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/stats"
	"github.com/dockercri/dockercri/translate"
)

// ListMetricDescriptors describes the metrics of ListPodSandboxMetrics.
func (s *Service) ListMetricDescriptors(context.Context, *runtimeapi.ListMetricDescriptorsRequest) (*runtimeapi.ListMetricDescriptorsResponse, error) {
	return &runtimeapi.ListMetricDescriptorsResponse{Descriptors: translate.MetricDescriptors()}, nil
}

// ListPodSandboxMetrics reports cAdvisor-compatible metrics of every ready
// pod and its containers.
func (s *Service) ListPodSandboxMetrics(ctx context.Context, _ *runtimeapi.ListPodSandboxMetricsRequest) (*runtimeapi.ListPodSandboxMetricsResponse, error) {
	ms, err := s.podMetrics(ctx)
	if err != nil {
		return nil, err
	}
	return &runtimeapi.ListPodSandboxMetricsResponse{PodMetrics: ms}, nil
}

// StreamPodSandboxMetrics is ListPodSandboxMetrics as a stream.
func (s *Service) StreamPodSandboxMetrics(_ *runtimeapi.StreamPodSandboxMetricsRequest, stream grpc.ServerStreamingServer[runtimeapi.StreamPodSandboxMetricsResponse]) error {
	ms, err := s.podMetrics(stream.Context())
	if err != nil {
		return err
	}
	return sendChunks(ms, func(c []*runtimeapi.PodSandboxMetrics) *runtimeapi.StreamPodSandboxMetricsResponse {
		return &runtimeapi.StreamPodSandboxMetricsResponse{PodSandboxMetrics: c}
	}, stream.Send)
}

func (s *Service) podMetrics(ctx context.Context) ([]*runtimeapi.PodSandboxMetrics, error) {
	pods, err := s.listPodStats(ctx, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*runtimeapi.PodSandboxMetrics, 0, len(pods))
	devices := map[[2]uint64]string{}
	for _, st := range pods {
		src := translate.MetricSource{
			Stats: st, ContainerNames: map[string]string{}, Images: map[string]string{}, MemoryLimits: map[string]uint64{},
			Extended: map[string]stats.Extended{}, DeviceNames: devices,
		}
		if sb, err := s.inspectSandbox(ctx, st.GetAttributes().GetId()); err == nil {
			src.SandboxName, src.SandboxImage = strings.TrimPrefix(sb.Name, "/"), sb.Config.Image
		}
		for _, c := range st.GetLinux().GetContainers() {
			id := c.GetAttributes().GetId()
			if in, err := s.inspectContainer(ctx, id); err == nil {
				src.ContainerNames[id], src.Images[id] = strings.TrimPrefix(in.Name, "/"), in.Config.Image
				src.MemoryLimits[id] = uint64(max(in.HostConfig.Memory, 0))
			}
			if x, ok := s.stats.extended(id); ok {
				src.Extended[id] = x
				for _, d := range x.IO {
					key := [2]uint64{d.Major, d.Minor}
					if _, ok := devices[key]; !ok {
						devices[key] = s.stats.reader.DeviceName(d.Major, d.Minor)
					}
				}
			}
		}
		out = append(out, translate.PodMetrics(src))
	}
	return out, nil
}
