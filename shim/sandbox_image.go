package shim

import (
	"bytes"
	"context"
	"fmt"
	"runtime"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/pause"
)

// ensureSandboxImage makes sure the sandbox image exists. The built-in
// default is created locally from dockercri's own pause program; any other
// image must already be there or be pullable by Docker (its registry
// credentials, if any, are Docker's own).
func (s *Service) ensureSandboxImage(ctx context.Context) error {
	ref := s.cfg.SandboxImage
	img, err := s.engine.InspectImage(ctx, ref)
	if err == nil {
		s.setSandboxImageID(img.ID)
		return nil
	}
	if !docker.IsNotFound(err) {
		return err
	}
	if ref == s.cfg.BuiltinSandboxImage {
		log(ctx).WithField("image", ref).Info("creating the built-in sandbox image")
		tar, err := pause.RootfsTar(runtime.GOARCH)
		if err != nil {
			return fmt.Errorf("built-in sandbox image: %w (set --pod-infra-container-image)", err)
		}
		changes := []string{fmt.Sprintf(`ENTRYPOINT [%q]`, pause.Entrypoint)}
		if err := s.engine.ImportImage(ctx, bytes.NewReader(tar), ref, changes); err != nil {
			return err
		}
	} else {
		log(ctx).WithField("image", ref).Info("pulling the sandbox image")
		if _, err := s.pull(ctx, ref, ""); err != nil {
			return fmt.Errorf("sandbox image %s: %w", ref, err)
		}
	}
	img, err = s.engine.InspectImage(ctx, ref)
	if err != nil {
		return err
	}
	s.setSandboxImageID(img.ID)
	return nil
}

func (s *Service) sandboxImageReady() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sandboxImageID != ""
}

func (s *Service) setSandboxImageID(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sandboxImageID = id
}

func (s *Service) isPinned(imageID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return imageID != "" && imageID == s.sandboxImageID
}
