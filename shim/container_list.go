package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/store"
	"github.com/dockercri/dockercri/translate"
)

// ListContainers lists CRI containers matching the filter.
func (s *Service) ListContainers(ctx context.Context, req *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	out, err := s.listContainers(ctx, req.GetFilter())
	if err != nil {
		return nil, err
	}
	return &runtimeapi.ListContainersResponse{Containers: out}, nil
}

// listContainers is ListContainers for dockercri's own callers.
func (s *Service) listContainers(ctx context.Context, f *runtimeapi.ContainerFilter) ([]*runtimeapi.Container, error) {
	labels := []string{translate.LabelType + "=" + translate.TypeContainer}
	if sb := f.GetPodSandboxId(); len(sb) == 64 {
		labels = append(labels, translate.LabelSandboxID+"="+sb)
	}
	// Let Docker do the label selection: it is much cheaper than listing
	// every container (the result is filtered again below).
	for k, v := range f.GetLabelSelector() {
		labels = append(labels, k+"="+v)
	}
	entries, ok := s.containers.List(translate.LabelType, translate.TypeContainer)
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
	out := make([]*runtimeapi.Container, 0, len(entries))
	for i := range entries {
		c, _ := entries[i].Memo.(*runtimeapi.Container)
		if c == nil {
			var err error
			if c, err = s.containerFromSummary(ctx, &entries[i], ok); err != nil {
				log(ctx).WithError(err).Debug("skipping unparseable container")
				continue
			}
		}
		if translate.MatchContainer(f, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// containerFromSummary converts a listed container; from the store, the
// result is memoized for the next List (shared by later responses, so
// nothing may change it).
func (s *Service) containerFromSummary(ctx context.Context, e *store.Entry, stored bool) (*runtimeapi.Container, error) {
	sum := e.Summary
	img, known := s.image(ctx, sum.ImageID)
	sum.Labels = translate.WithoutInherited(sum.Labels, img.labels)
	c, err := translate.ContainerFromSummary(&sum)
	if err != nil {
		return nil, err
	}
	if stored && known {
		s.containers.Memo(sum.ID, e.Version, c)
	}
	return c, nil
}
