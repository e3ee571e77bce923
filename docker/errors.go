package docker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// classify wraps err with what was being done and with the dockercri error
// class that matches Docker's own classification. nil stays nil.
func classify(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	wrapped := fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return errdefs.Wrap(errdefs.ErrDeadlineExceeded, wrapped)
	case errors.Is(err, context.Canceled):
		return wrapped
	case cerrdefs.IsNotFound(err):
		return errdefs.Wrap(errdefs.ErrNotFound, wrapped)
	case cerrdefs.IsConflict(err), cerrdefs.IsAlreadyExists(err):
		return errdefs.Wrap(errdefs.ErrAlreadyExists, wrapped)
	case cerrdefs.IsInvalidArgument(err):
		return errdefs.Wrap(errdefs.ErrInvalidArgument, wrapped)
	case cerrdefs.IsPermissionDenied(err), cerrdefs.IsUnauthorized(err):
		return errdefs.Wrap(errdefs.ErrPermissionDenied, wrapped)
	case cerrdefs.IsFailedPrecondition(err), cerrdefs.IsNotModified(err):
		return errdefs.Wrap(errdefs.ErrFailedPrecondition, wrapped)
	case cerrdefs.IsNotImplemented(err):
		return errdefs.Wrap(errdefs.ErrUnimplemented, wrapped)
	case isConnectionError(err):
		return errdefs.Wrap(errdefs.ErrUnavailable, wrapped)
	}
	return wrapped
}

// classifyPull is classify for a pull's request: Docker answers an
// unreachable or failing registry with a plain 500, and then the registry,
// not the request, is at fault (Unavailable).
func classifyPull(err error, ref string) error {
	if err != nil && cerrdefs.IsInternal(err) {
		return errdefs.Wrap(errdefs.ErrUnavailable, fmt.Errorf("pull image %s: %w", ref, err))
	}
	return classify(err, "pull image %s", ref)
}

// isConnectionError reports whether dockerd could not be reached at all.
func isConnectionError(err error) bool {
	if client.IsErrConnectionFailed(err) || cerrdefs.IsUnavailable(err) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// IsNotFound reports whether err says the object does not exist.
func IsNotFound(err error) bool { return errors.Is(err, errdefs.ErrNotFound) }
