package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/store"
	"github.com/dockercri/dockercri/translate"
)

// ListPodSandbox lists sandboxes, including those whose container vanished
// but whose checkpoint remains (NOTREADY), so kubelet can clean them up.
func (s *Service) ListPodSandbox(ctx context.Context, req *runtimeapi.ListPodSandboxRequest) (*runtimeapi.ListPodSandboxResponse, error) {
	items, err := s.listSandboxes(ctx, req.GetFilter())
	if err != nil {
		return nil, err
	}
	return &runtimeapi.ListPodSandboxResponse{Items: items}, nil
}

// listSandboxes is ListPodSandbox for dockercri's own callers.
func (s *Service) listSandboxes(ctx context.Context, f *runtimeapi.PodSandboxFilter) ([]*runtimeapi.PodSandbox, error) {
	labels := []string{translate.LabelType + "=" + translate.TypeSandbox}
	for k, v := range f.GetLabelSelector() {
		labels = append(labels, k+"="+v)
	}
	entries, ok := s.containers.List(translate.LabelType, translate.TypeSandbox)
	if !ok {
		list, err := s.engine.ListContainers(ctx, labels...)
		if err != nil {
			return nil, err
		}
		entries = make([]store.Entry, len(list))
		for i := range list {
			entries[i].Summary = list[i]
		}
	}
	seen := make(map[string]bool, len(entries))
	out := make([]*runtimeapi.PodSandbox, 0, len(entries))
	for i := range entries {
		sb, _ := entries[i].Memo.(*runtimeapi.PodSandbox)
		if sb == nil {
			var err error
			if sb, err = translate.SandboxFromSummary(&entries[i].Summary); err != nil {
				log(ctx).WithError(err).Debug("skipping unparseable sandbox")
				continue
			}
			if ok {
				// Shared by later responses: nothing may change it.
				s.containers.Memo(sb.Id, entries[i].Version, sb)
			}
		}
		seen[sb.Id] = true
		if translate.MatchSandbox(f, sb) {
			out = append(out, sb)
		}
	}
	orphans, err := s.orphanCheckpoints(ctx, seen)
	if err != nil {
		return nil, err
	}
	for _, sb := range orphans {
		if translate.MatchSandbox(f, sb) {
			out = append(out, sb)
		}
	}
	return out, nil
}

// orphanCheckpoints reports checkpoints without a sandbox container.
func (s *Service) orphanCheckpoints(ctx context.Context, seen map[string]bool) ([]*runtimeapi.PodSandbox, error) {
	ids, err := s.checkpoints.List()
	if err != nil {
		return nil, err
	}
	var out []*runtimeapi.PodSandbox
	for _, id := range ids {
		if seen[id] {
			continue
		}
		cp, err := s.checkpoints.Read(id)
		if err != nil {
			log(ctx).WithError(err).Warn("skipping unreadable checkpoint")
			continue
		}
		out = append(out, &runtimeapi.PodSandbox{Id: id, Metadata: checkpointMetadata(cp), State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY, CreatedAt: cp.CreatedAt()})
	}
	return out, nil
}
