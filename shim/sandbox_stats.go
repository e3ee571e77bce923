package shim

import (
	"context"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/stats"
	"github.com/dockercri/dockercri/translate"
)

// PodSandboxStats reports a pod's usage: the sum of its containers (and
// pause container), its network interfaces and its containers' stats.
func (s *Service) PodSandboxStats(ctx context.Context, req *runtimeapi.PodSandboxStatsRequest) (*runtimeapi.PodSandboxStatsResponse, error) {
	if err := requireID("pod sandbox", req.PodSandboxId); err != nil {
		return nil, err
	}
	sb, err := s.inspectSandbox(ctx, req.PodSandboxId)
	if err != nil {
		return nil, err
	}
	byPod, err := s.runningByPod(ctx, &runtimeapi.ContainerFilter{PodSandboxId: sb.ID})
	if err != nil {
		return nil, err
	}
	b := s.sampleContainers(append([]*dockerContainer{sb}, byPod[sb.ID]...))
	b.pods = s.stats.samplePods(b, []*dockerContainer{sb})
	return &runtimeapi.PodSandboxStatsResponse{Stats: s.podStatsFrom(b, sb, byPod[sb.ID], s.writableLayerFs(ctx))}, nil
}

// ListPodSandboxStats reports the usage of the pods the filter selects.
func (s *Service) ListPodSandboxStats(ctx context.Context, req *runtimeapi.ListPodSandboxStatsRequest) (*runtimeapi.ListPodSandboxStatsResponse, error) {
	out, err := s.listPodStats(ctx, req.GetFilter())
	if err != nil {
		return nil, err
	}
	return &runtimeapi.ListPodSandboxStatsResponse{Stats: out}, nil
}

// listPodStats is ListPodSandboxStats for dockercri's own callers. The
// pods' pause and app containers are listed once, grouped by pod, and
// their cgroups read in one batch.
func (s *Service) listPodStats(ctx context.Context, f *runtimeapi.PodSandboxStatsFilter) ([]*runtimeapi.PodSandboxStats, error) {
	list, err := s.listSandboxes(ctx, &runtimeapi.PodSandboxFilter{
		Id: f.GetId(), LabelSelector: f.GetLabelSelector(),
		State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY},
	})
	if err != nil {
		return nil, err
	}
	var cf *runtimeapi.ContainerFilter
	if len(list) == 1 {
		cf = &runtimeapi.ContainerFilter{PodSandboxId: list[0].Id}
	}
	byPod, err := s.runningByPod(ctx, cf)
	if err != nil {
		return nil, err
	}
	sbs := make([]*dockerContainer, 0, len(list))
	all := make([]*dockerContainer, 0, 2*len(list))
	for _, item := range list {
		sb, err := s.inspectSandbox(ctx, item.Id)
		if err != nil {
			continue // removed meanwhile
		}
		sbs = append(sbs, sb)
		all = append(append(all, sb), byPod[sb.ID]...)
	}
	b := s.sampleContainers(all)
	b.pods = s.stats.samplePods(b, sbs)
	root := s.writableLayerFs(ctx)
	out := make([]*runtimeapi.PodSandboxStats, 0, len(sbs))
	for _, sb := range sbs {
		out = append(out, s.podStatsFrom(b, sb, byPod[sb.ID], root))
	}
	return out, nil
}

// runningByPod is the running CRI containers the filter selects, by pod.
func (s *Service) runningByPod(ctx context.Context, f *runtimeapi.ContainerFilter) (map[string][]*dockerContainer, error) {
	if f == nil {
		f = &runtimeapi.ContainerFilter{}
	}
	f.State = &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING}
	ins, err := s.selectContainers(ctx, f)
	if err != nil {
		return nil, err
	}
	byPod := map[string][]*dockerContainer{}
	for _, in := range ins {
		pod := in.Config.Labels[translate.LabelSandboxID]
		byPod[pod] = append(byPod[pod], in)
	}
	return byPod, nil
}

// podStatsFrom is one pod's stats out of a batch that holds its pause and
// app containers: the pod's usage is its pod cgroup's where the sandbox has
// one (containerd reads the same), else the sum of its containers'.
func (s *Service) podStatsFrom(b statsBatch, sb *dockerContainer, ins []*dockerContainer, root string) *runtimeapi.PodSandboxStats {
	containers := make([]*runtimeapi.ContainerStats, 0, len(ins))
	for _, in := range ins {
		containers = append(containers, s.containerStatsFrom(b, in, root))
	}
	meta, _ := translate.ParseSandboxName(sb.Name)
	labels, annotations := translate.SplitLabels(sb.Config.Labels)
	st := &runtimeapi.PodSandboxStats{
		Attributes: &runtimeapi.PodSandboxAttributes{Id: sb.ID, Metadata: meta, Labels: labels, Annotations: annotations},
		Linux:      &runtimeapi.LinuxPodSandboxStats{Containers: containers},
	}
	if info, ok := b.infos[sb.ID]; ok {
		if ifs, err := s.stats.reader.NetDev(info.pid); err == nil {
			st.Linux.Network = translate.NetworkUsage(ifs, time.Now().UnixNano())
		}
	}
	var total, before stats.Sample
	if pod, ok := b.pods[sb.ID]; ok {
		// The pod's own cgroup: what kubelet's pod cgroup is charged.
		total = pod.cur
		if pod.hasPrev {
			before = pod.prev
		}
	} else {
		var curs, prevs []stats.Sample
		complete := true
		for _, id := range append([]string{sb.ID}, containerIDs(ins)...) {
			c, ok := b.cur[id]
			if !ok {
				continue
			}
			curs = append(curs, c)
			p, ok := b.prev[id]
			complete = complete && ok
			prevs = append(prevs, p)
		}
		if len(curs) == 0 {
			return st
		}
		total = translate.SumSamples(curs)
		if complete {
			before = translate.SumSamples(prevs)
		}
	}
	st.Linux.Cpu = translate.CPUUsage(before, total)
	st.Linux.Memory = translate.MemoryUsage(total)
	// I/O pressure, from the pod cgroup only (a sum of containers has none):
	// kubelet's KubeletPSI reports it as the pod's IO stats.
	st.Linux.Io = translate.IOUsage(total)
	st.Linux.Process = &runtimeapi.ProcessUsage{Timestamp: total.Time.UnixNano(), ProcessCount: &runtimeapi.UInt64Value{Value: total.Processes}}
	return st
}

func containerIDs(ins []*dockerContainer) []string {
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	return ids
}
