package shim

import (
	"context"
	"sync"
	"time"

	"github.com/dockercri/dockercri/translate"
)

// imageCacheTTL bounds how stale an image's repo digests may be in a
// container status (a later pull can add one); labels never change.
const imageCacheTTL = 10 * time.Second

// imageCache remembers, by image id, what container listings and statuses
// need of an image, so that they do not inspect it every time.
type imageCache struct {
	mu      sync.Mutex
	entries map[string]imageEntry
}

type imageEntry struct {
	labels map[string]string
	info   translate.ImageInfo
	at     time.Time
}

// image returns what is known of image id; ok is false when Docker does
// not know it (any more).
func (s *Service) image(ctx context.Context, id string) (imageEntry, bool) {
	if id == "" {
		return imageEntry{}, false
	}
	c := &s.imgCache
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && time.Since(e.at) < imageCacheTTL {
		return e, true
	}
	in, err := s.engine.InspectImage(ctx, id)
	if err != nil {
		log(ctx).WithError(err).WithField("image", id).Debug("image details unknown")
		return e, ok // a stale entry beats none
	}
	e = imageEntry{info: translate.ImageInspectInfo(&in), at: time.Now()}
	if in.Config != nil {
		e.labels = in.Config.Labels
	}
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]imageEntry{}
	}
	c.entries[id] = e
	c.mu.Unlock()
	return e, true
}
