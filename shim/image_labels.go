package shim

import (
	"context"
	"sync"
)

// imageLabelCache remembers the labels of images by id. Image ids are
// content addresses, so an entry never goes stale; the cache holds only
// images that containers use.
type imageLabelCache struct {
	mu     sync.Mutex
	labels map[string]map[string]string
}

// imageLabels returns the labels of image id, nil when unknown.
func (s *Service) imageLabels(ctx context.Context, id string) map[string]string {
	if id == "" {
		return nil
	}
	c := &s.imgLabels
	c.mu.Lock()
	l, ok := c.labels[id]
	c.mu.Unlock()
	if ok {
		return l
	}
	in, err := s.engine.InspectImage(ctx, id)
	if err != nil {
		log(ctx).WithError(err).WithField("image", id).Debug("image labels unknown")
		return nil
	}
	if in.Config != nil {
		l = in.Config.Labels
	}
	c.mu.Lock()
	if c.labels == nil {
		c.labels = map[string]map[string]string{}
	}
	c.labels[id] = l
	c.mu.Unlock()
	return l
}
