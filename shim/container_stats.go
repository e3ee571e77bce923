package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/stats"
	"github.com/dockercri/dockercri/translate"
)

// ContainerStats reports one container's usage from its cgroup.
func (s *Service) ContainerStats(ctx context.Context, req *runtimeapi.ContainerStatsRequest) (*runtimeapi.ContainerStatsResponse, error) {
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	in, err := s.inspectContainer(ctx, req.ContainerId)
	if err != nil {
		return nil, err
	}
	out, err := s.containerStats(ctx, []*dockerContainer{in})
	if err != nil {
		return nil, err
	}
	return &runtimeapi.ContainerStatsResponse{Stats: out[0]}, nil
}

// ListContainerStats reports the usage of the containers the filter
// selects.
func (s *Service) ListContainerStats(ctx context.Context, req *runtimeapi.ListContainerStatsRequest) (*runtimeapi.ListContainerStatsResponse, error) {
	out, err := s.listContainerStats(ctx, req.GetFilter())
	if err != nil {
		return nil, err
	}
	return &runtimeapi.ListContainerStatsResponse{Stats: out}, nil
}

// listContainerStats is ListContainerStats for dockercri's own callers.
func (s *Service) listContainerStats(ctx context.Context, f *runtimeapi.ContainerStatsFilter) ([]*runtimeapi.ContainerStats, error) {
	ins, err := s.selectContainers(ctx, &runtimeapi.ContainerFilter{
		Id: f.GetId(), PodSandboxId: f.GetPodSandboxId(), LabelSelector: f.GetLabelSelector(),
	})
	if err != nil {
		return nil, err
	}
	return s.containerStats(ctx, ins)
}

// selectContainers lists and inspects the CRI containers a filter selects.
func (s *Service) selectContainers(ctx context.Context, f *runtimeapi.ContainerFilter) ([]*dockerContainer, error) {
	list, err := s.listContainers(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []*dockerContainer
	for _, c := range list {
		in, err := s.inspectContainer(ctx, c.Id)
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, in)
	}
	return out, nil
}

// containerStats samples the containers together (one shared rate window).
func (s *Service) containerStats(ctx context.Context, ins []*dockerContainer) ([]*runtimeapi.ContainerStats, error) {
	b := s.sampleContainers(ins)
	root := s.writableLayerFs(ctx)
	out := make([]*runtimeapi.ContainerStats, 0, len(ins))
	for _, in := range ins {
		out = append(out, s.containerStatsFrom(b, in, root))
	}
	return out, nil
}

// statsBatch is one reading of a set of containers' cgroups: every cgroup
// is read once per request, whoever needs it (a container's own stats and
// its pod's sum).
type statsBatch struct {
	infos     map[string]cgroupInfo
	cur, prev map[string]stats.Sample
	pods      map[string]podSample // by sandbox id: the pod's own cgroup
}

// sampleContainers locates and reads the cgroups of the running ones
// among ins.
func (s *Service) sampleContainers(ins []*dockerContainer) statsBatch {
	keys := make(map[string]stats.Cgroup, len(ins))
	infos := make(map[string]cgroupInfo, len(ins))
	for _, in := range ins {
		if info, ok := s.stats.locate(in); ok {
			keys[in.ID], infos[in.ID] = info.cg, info
		}
	}
	cur, prev := s.stats.sampleAll(keys)
	return statsBatch{infos: infos, cur: cur, prev: prev}
}

// containerStatsFrom is one container's stats out of a batch; root names
// the writable layers' filesystem.
func (s *Service) containerStatsFrom(b statsBatch, in *dockerContainer, root string) *runtimeapi.ContainerStats {
	cs := &runtimeapi.ContainerStats{Attributes: containerAttributes(in)}
	if sample, ok := b.cur[in.ID]; ok {
		cs.Cpu = translate.CPUUsage(b.prev[in.ID], sample)
		cs.Memory = translate.MemoryUsage(sample)
		cs.Swap = translate.SwapUsage(sample)
		cs.Io = translate.IOUsage(sample)
	}
	if upper := b.infos[in.ID].upper; upper != "" {
		if u, ok := s.stats.disk.Get(upper); ok {
			cs.WritableLayer = translate.WritableLayer(u, root)
		}
	}
	return cs
}

// writableLayerFs names the filesystem of containers' writable layers in
// stats: Docker's data root, or the containerd snapshotter root that the
// containers' own root overlays showed.
func (s *Service) writableLayerFs(ctx context.Context) string {
	if s.hostLimits().Engine.ContainerdStore {
		return s.stats.snapshotterRoot()
	}
	root, _ := s.dockerRoot(ctx)
	return root
}

func containerAttributes(in *dockerContainer) *runtimeapi.ContainerAttributes {
	meta, _ := translate.ParseContainerName(in.Name)
	labels, annotations := translate.SplitLabels(in.Config.Labels)
	return &runtimeapi.ContainerAttributes{Id: in.ID, Metadata: meta, Labels: labels, Annotations: annotations}
}
