package shim

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/translate"
)

// ListContainers lists CRI containers matching the filter.
func (s *Service) ListContainers(ctx context.Context, req *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	labels := []string{translate.LabelType + "=" + translate.TypeContainer}
	f := req.GetFilter()
	if sb := f.GetPodSandboxId(); len(sb) == 64 {
		labels = append(labels, translate.LabelSandboxID+"="+sb)
	}
	// Let Docker do the label selection: it is much cheaper than listing
	// every container (the result is filtered again below).
	for k, v := range f.GetLabelSelector() {
		labels = append(labels, k+"="+v)
	}
	list, ok := s.index.list(translate.TypeContainer)
	if !ok {
		var err error
		if list, err = s.engine.ListContainers(ctx, labels...); err != nil {
			return nil, err
		}
	}
	out := make([]*runtimeapi.Container, 0, len(list))
	for i := range list {
		list[i].Labels = translate.WithoutInherited(list[i].Labels, s.imageLabels(ctx, list[i].ImageID))
		c, err := translate.ContainerFromSummary(&list[i])
		if err != nil {
			log(ctx).WithError(err).Debug("skipping unparseable container")
			continue
		}
		if translate.MatchContainer(f, c) {
			out = append(out, c)
		}
	}
	return &runtimeapi.ListContainersResponse{Containers: out}, nil
}
