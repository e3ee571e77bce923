package shim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

// PullImage pulls an image with the request's registry credentials and
// returns its image id. The pull is cancelled with the request, and when it
// reports no progress for the configured progress deadline.
func (s *Service) PullImage(ctx context.Context, req *runtimeapi.PullImageRequest) (*runtimeapi.PullImageResponse, error) {
	ref := req.GetImage().GetImage()
	if ref == "" {
		return nil, errdefs.InvalidArgument("image is required")
	}
	a := req.GetAuth()
	auth, err := docker.EncodeAuth(docker.Auth{
		Username: a.GetUsername(), Password: a.GetPassword(), Auth: a.GetAuth(),
		ServerAddress: a.GetServerAddress(), IdentityToken: a.GetIdentityToken(), RegistryToken: a.GetRegistryToken(),
	})
	if err != nil {
		return nil, err
	}
	id, err := s.pull(ctx, ref, auth)
	if err != nil {
		return nil, err
	}
	return &runtimeapi.PullImageResponse{ImageRef: id}, nil
}

// pull runs a Docker pull to completion and returns the image id. An image
// of a registry with a configured mirror is pulled from the mirror and
// tagged with the name that was asked for.
func (s *Service) pull(ctx context.Context, ref, auth string) (string, error) {
	full, err := docker.NormalizeRef(ref)
	if err != nil {
		return "", err
	}
	mirrored, ok, err := docker.MirrorRef(full, s.cfg.RegistryMirrors)
	if err != nil || !ok {
		if err != nil {
			return "", err
		}
		return s.pullRef(ctx, full, auth)
	}
	id, err := s.pullRef(ctx, mirrored, auth)
	if err != nil {
		return "", fmt.Errorf("from mirror of %s: %w", full, err)
	}
	if docker.IsDigestRef(full) {
		return id, nil // Docker can tag names, not digests
	}
	if err := s.engine.TagImage(ctx, mirrored, full); err != nil {
		return "", err
	}
	// The image is known by the name asked for; the mirror's name goes.
	if err := s.engine.RemoveImage(ctx, mirrored, false); err != nil && !docker.IsNotFound(err) {
		log(ctx).WithError(err).WithField("image", mirrored).Warn("removing the mirror's tag")
	}
	return id, nil
}

// pullRef pulls one fully qualified reference.
func (s *Service) pullRef(ctx context.Context, full, auth string) (string, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stream, err := s.engine.PullImage(ctx, full, auth)
	if err != nil {
		return "", err
	}
	defer stream.Close()

	watch := newProgressWatch(s.cfg.PullProgressDeadline, func() {
		cancel(errdefs.Wrap(errdefs.ErrDeadlineExceeded, errPullStalled))
	})
	defer watch.stop()
	logger := log(ctx).WithField("image", full)
	lastLog := time.Now()
	err = docker.DrainPull(stream, func(p docker.Progress) {
		watch.touch()
		if time.Since(lastLog) >= 10*time.Second {
			lastLog = time.Now()
			logger.WithFields(map[string]any{"layer": p.ID, "status": p.Status, "current": p.Current, "total": p.Total}).Info("pulling")
		}
	})
	if cause := context.Cause(ctx); cause != nil {
		// Cancelled by the caller, or by the progress watch.
		return "", cause
	}
	if err != nil {
		// Classified by docker.DrainPull where the engine says what it is.
		return "", fmt.Errorf("pull image %s: %w", full, err)
	}
	img, err := s.engine.InspectImage(ctx, full)
	if err != nil {
		return "", err
	}
	logger.WithField("id", img.ID).Info("image pulled")
	return img.ID, nil
}

var errPullStalled = errors.New("image pull made no progress within the progress deadline")

// progressWatch calls onStall when touch has not been called for d.
type progressWatch struct {
	mu    sync.Mutex
	timer *time.Timer
	d     time.Duration
}

func newProgressWatch(d time.Duration, onStall func()) *progressWatch {
	w := &progressWatch{d: d}
	if d > 0 {
		w.timer = time.AfterFunc(d, onStall)
	}
	return w
}

func (w *progressWatch) touch() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil {
		w.timer.Reset(w.d)
	}
}

func (w *progressWatch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil {
		w.timer.Stop()
	}
}
