package shim

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/translate"
)

// prepareLogFile creates kubelet's log file for a new container, so that
// the path exists from CreateContainer on; dockercri's log follower writes
// to it once the container starts.
func prepareLogFile(logPath string) error {
	if logPath == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return errdefs.FromOS(fmt.Errorf("creating log directory for %s: %w", logPath, err))
	}
	// cri-dockerd made the log path a symlink to Docker's json log: a container
	// it created and dockercri re-creates (same path) gets a real file.
	if fi, err := os.Lstat(logPath); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		if err := os.Remove(logPath); err != nil {
			return errdefs.FromOS(fmt.Errorf("replacing log link %s: %w", logPath, err))
		}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errdefs.FromOS(fmt.Errorf("checking log path %s: %w", logPath, err))
	}
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return errdefs.FromOS(fmt.Errorf("creating log file %s: %w", logPath, err))
	}
	return f.Close()
}

// followLogs starts writing a started container's CRI log.
func (s *Service) followLogs(ctx context.Context, in *dockerContainer) {
	path := in.Config.Labels[translate.LabelLogPath]
	if path == "" || s.logs == nil {
		return
	}
	if err := s.logs.Follow(in.ID, path, in.Config.Tty); err != nil {
		log(ctx).WithError(err).WithField("container", in.ID).Warn("cannot write the container's CRI log; it is kept by Docker only")
	}
}
