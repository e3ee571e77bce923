package shim

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// linkLog points kubelet's log path at Docker's json log of the container,
// as cri-dockerd does, so that the file kubelet asked for exists. Docker only
// fills in LogPath at start, so the path json-file will use is derived from
// the data root.
func (s *Service) linkLog(ctx context.Context, id, logPath string) error {
	if logPath == "" {
		return nil
	}
	in, err := s.engine.InspectContainer(ctx, id)
	if err != nil {
		return err
	}
	target := in.LogPath
	if target == "" && in.HostConfig != nil && in.HostConfig.LogConfig.Type == "json-file" {
		root, err := s.dockerRoot(ctx)
		if err != nil {
			return err
		}
		target = filepath.Join(root, "containers", in.ID, in.ID+"-json.log")
	}
	if target == "" {
		log(ctx).WithField("container", id).Warn("docker keeps no log file for this container (log driver is not json-file); log path not linked")
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return errdefs.Wrap(errdefs.ErrInvalidArgument, fmt.Errorf("creating log directory for %s: %w", logPath, err))
	}
	if err := os.Remove(logPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errdefs.Wrap(errdefs.ErrInvalidArgument, fmt.Errorf("replacing log path %s: %w", logPath, err))
	}
	if err := os.Symlink(target, logPath); err != nil {
		return errdefs.Wrap(errdefs.ErrInvalidArgument, fmt.Errorf("linking log path %s: %w", logPath, err))
	}
	return nil
}

// dockerRoot is Docker's data root, read once from docker info.
func (s *Service) dockerRoot(ctx context.Context) (string, error) {
	s.mu.Lock()
	root := s.dockerRootDir
	s.mu.Unlock()
	if root != "" {
		return root, nil
	}
	info, err := s.engine.Info(ctx)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.dockerRootDir = info.DockerRootDir
	s.mu.Unlock()
	return info.DockerRootDir, nil
}

// unlinkLog removes the log link of a removed container.
func unlinkLog(logPath string) error {
	if logPath == "" {
		return nil
	}
	fi, err := os.Lstat(logPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("removing log link %s: %w", logPath, err)
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		return nil // not ours: a real file kubelet or someone else wrote
	}
	if err := os.Remove(logPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing log link %s: %w", logPath, err)
	}
	return nil
}
