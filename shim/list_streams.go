package shim

import (
	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// streamChunk is how many items one response of a list stream carries;
// a chunk of pods, containers or images stays far below the 16 MiB limit.
const streamChunk = 100

// sendChunks sends items in responses of at most streamChunk each; every
// item appears exactly once and the stream ends (EOF) after the last one.
func sendChunks[T any, R any](items []T, wrap func([]T) *R, send func(*R) error) error {
	for start := 0; start < len(items); start += streamChunk {
		if err := send(wrap(items[start:min(start+streamChunk, len(items))])); err != nil {
			return err
		}
	}
	return nil
}

// StreamPodSandboxes is ListPodSandbox as a stream (CRIListStreaming).
func (s *Service) StreamPodSandboxes(req *runtimeapi.StreamPodSandboxesRequest, stream grpc.ServerStreamingServer[runtimeapi.StreamPodSandboxesResponse]) error {
	list, err := s.listSandboxes(stream.Context(), req.Filter)
	if err != nil {
		return err
	}
	return sendChunks(list, func(c []*runtimeapi.PodSandbox) *runtimeapi.StreamPodSandboxesResponse {
		return &runtimeapi.StreamPodSandboxesResponse{PodSandboxes: c}
	}, stream.Send)
}

// StreamContainers is ListContainers as a stream.
func (s *Service) StreamContainers(req *runtimeapi.StreamContainersRequest, stream grpc.ServerStreamingServer[runtimeapi.StreamContainersResponse]) error {
	list, err := s.listContainers(stream.Context(), req.Filter)
	if err != nil {
		return err
	}
	return sendChunks(list, func(c []*runtimeapi.Container) *runtimeapi.StreamContainersResponse {
		return &runtimeapi.StreamContainersResponse{Containers: c}
	}, stream.Send)
}

// StreamContainerStats is ListContainerStats as a stream.
func (s *Service) StreamContainerStats(req *runtimeapi.StreamContainerStatsRequest, stream grpc.ServerStreamingServer[runtimeapi.StreamContainerStatsResponse]) error {
	list, err := s.listContainerStats(stream.Context(), req.Filter)
	if err != nil {
		return err
	}
	return sendChunks(list, func(c []*runtimeapi.ContainerStats) *runtimeapi.StreamContainerStatsResponse {
		return &runtimeapi.StreamContainerStatsResponse{ContainerStats: c}
	}, stream.Send)
}

// StreamPodSandboxStats is ListPodSandboxStats as a stream.
func (s *Service) StreamPodSandboxStats(req *runtimeapi.StreamPodSandboxStatsRequest, stream grpc.ServerStreamingServer[runtimeapi.StreamPodSandboxStatsResponse]) error {
	list, err := s.listPodStats(stream.Context(), req.Filter)
	if err != nil {
		return err
	}
	return sendChunks(list, func(c []*runtimeapi.PodSandboxStats) *runtimeapi.StreamPodSandboxStatsResponse {
		return &runtimeapi.StreamPodSandboxStatsResponse{PodSandboxStats: c}
	}, stream.Send)
}

// StreamImages is ListImages as a stream.
func (s *Service) StreamImages(req *runtimeapi.StreamImagesRequest, stream grpc.ServerStreamingServer[runtimeapi.StreamImagesResponse]) error {
	list, err := s.listImages(stream.Context(), req.Filter)
	if err != nil {
		return err
	}
	return sendChunks(list, func(c []*runtimeapi.Image) *runtimeapi.StreamImagesResponse {
		return &runtimeapi.StreamImagesResponse{Images: c}
	}, stream.Send)
}
