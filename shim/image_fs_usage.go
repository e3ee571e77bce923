package shim

import (
	"context"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// imageUsageMaxAge is how old the images' disk usage may be when
// ImageFsInfo reports it; an older figure is refreshed in the background.
const imageUsageMaxAge = 30 * time.Second

// imageUsage keeps the bytes the engine's image layers take (Docker's
// `system df` LayersSize): asking Docker takes tens of milliseconds on the
// containerd image store, so ImageFsInfo answers from the last figure and a
// refresh runs in the background, in the service's goroutine group.
type imageUsage struct {
	mu         sync.Mutex
	bytes      uint64
	at         time.Time
	refreshing bool
}

// imagesBytes returns the images' disk usage. The first call asks Docker
// on the request path; later ones answer at once and start a refresh when
// the figure is older than imageUsageMaxAge.
func (s *Service) imagesBytes(ctx context.Context) (uint64, error) {
	u := &s.imgUsage
	u.mu.Lock()
	bytes, at, refreshing := u.bytes, u.at, u.refreshing
	stale := time.Since(at) > imageUsageMaxAge
	if !at.IsZero() && stale && !refreshing {
		u.refreshing = s.bg.Go(s.refreshImageUsage)
	}
	u.mu.Unlock()
	if !at.IsZero() {
		return bytes, nil
	}
	n, err := s.engine.ImagesDiskUsage(ctx)
	if err != nil {
		return 0, err
	}
	s.recordImageUsage(n)
	return uint64(max(n, 0)), nil
}

func (s *Service) refreshImageUsage(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	n, err := s.engine.ImagesDiskUsage(ctx)
	if err != nil {
		logrus.WithError(err).Debug("refreshing the images' disk usage")
		s.imgUsage.mu.Lock()
		s.imgUsage.refreshing = false
		s.imgUsage.mu.Unlock()
		return
	}
	s.recordImageUsage(n)
}

func (s *Service) recordImageUsage(n int64) {
	u := &s.imgUsage
	u.mu.Lock()
	defer u.mu.Unlock()
	u.bytes, u.at, u.refreshing = uint64(max(n, 0)), time.Now(), false
}
