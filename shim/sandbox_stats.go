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
	st, err := s.podStats(ctx, sb)
	if err != nil {
		return nil, err
	}
	return &runtimeapi.PodSandboxStatsResponse{Stats: st}, nil
}

// ListPodSandboxStats reports the usage of the pods the filter selects.
func (s *Service) ListPodSandboxStats(ctx context.Context, req *runtimeapi.ListPodSandboxStatsRequest) (*runtimeapi.ListPodSandboxStatsResponse, error) {
	out, err := s.listPodStats(ctx, req.GetFilter())
	if err != nil {
		return nil, err
	}
	return &runtimeapi.ListPodSandboxStatsResponse{Stats: out}, nil
}

// listPodStats is ListPodSandboxStats for dockercri's own callers.
func (s *Service) listPodStats(ctx context.Context, f *runtimeapi.PodSandboxStatsFilter) ([]*runtimeapi.PodSandboxStats, error) {
	list, err := s.listSandboxes(ctx, &runtimeapi.PodSandboxFilter{
		Id: f.GetId(), LabelSelector: f.GetLabelSelector(),
		State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY},
	})
	if err != nil {
		return nil, err
	}
	var out []*runtimeapi.PodSandboxStats
	for _, item := range list {
		sb, err := s.inspectSandbox(ctx, item.Id)
		if err != nil {
			continue
		}
		st, err := s.podStats(ctx, sb)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func (s *Service) podStats(ctx context.Context, sb *dockerContainer) (*runtimeapi.PodSandboxStats, error) {
	ins, err := s.selectContainers(ctx, &runtimeapi.ContainerFilter{
		PodSandboxId: sb.ID,
		State:        &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING},
	})
	if err != nil {
		return nil, err
	}
	containers, err := s.containerStats(ctx, ins)
	if err != nil {
		return nil, err
	}
	meta, _ := translate.ParseSandboxName(sb.Name)
	labels, annotations := translate.SplitLabels(sb.Config.Labels)
	st := &runtimeapi.PodSandboxStats{
		Attributes: &runtimeapi.PodSandboxAttributes{Id: sb.ID, Metadata: meta, Labels: labels, Annotations: annotations},
		Linux:      &runtimeapi.LinuxPodSandboxStats{Containers: containers},
	}
	// The pod's usage: its containers plus the pause container.
	keys := map[string]stats.Cgroup{}
	if info, ok := s.stats.locate(sb); ok {
		keys[sb.ID] = info.cg
		if ifs, err := s.stats.reader.NetDev(info.pid); err == nil {
			st.Linux.Network = translate.NetworkUsage(ifs, time.Now().UnixNano())
		}
	}
	for _, in := range ins {
		if info, ok := s.stats.locate(in); ok {
			keys[in.ID] = info.cg
		}
	}
	cur, prev := s.stats.sampleAll(keys)
	if len(cur) == 0 {
		return st, nil
	}
	var curs, prevs []stats.Sample
	complete := true
	for k, c := range cur {
		curs = append(curs, c)
		p, ok := prev[k]
		complete = complete && ok
		prevs = append(prevs, p)
	}
	total := translate.SumSamples(curs)
	var before stats.Sample
	if complete {
		before = translate.SumSamples(prevs)
	}
	st.Linux.Cpu = translate.CPUUsage(before, total)
	st.Linux.Memory = translate.MemoryUsage(total)
	st.Linux.Process = &runtimeapi.ProcessUsage{Timestamp: total.Time.UnixNano(), ProcessCount: &runtimeapi.UInt64Value{Value: total.Processes}}
	return st, nil
}
