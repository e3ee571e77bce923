// Package errdefs is dockercri's thin layer over containerd's error
// vocabulary (github.com/containerd/errdefs): the classes are containerd's
// own sentinels, so errgrpc maps them to gRPC codes at the boundary and
// cerrdefs.Is* recognise them anywhere. It adds only formatting
// constructors and Wrap, whose class is the outermost of an error's chain
// (a handler that re-classifies a lower layer's error wins, as
// errdefs.Resolve reads it). Nothing is ever classified by message text.
package errdefs

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	cerrdefs "github.com/containerd/errdefs"
)

// The classes that cross dockercri's layers.
var (
	// ErrInvalidArgument: the request itself is malformed.
	ErrInvalidArgument = cerrdefs.ErrInvalidArgument
	// ErrNotFound: the named object does not exist.
	ErrNotFound = cerrdefs.ErrNotFound
	// ErrAlreadyExists: an object with that name or id already exists.
	ErrAlreadyExists = cerrdefs.ErrAlreadyExists
	// ErrFailedPrecondition: the object or host is in the wrong state.
	ErrFailedPrecondition = cerrdefs.ErrFailedPrecondition
	// ErrUnavailable: Docker Engine (or a registry) cannot be reached now.
	ErrUnavailable = cerrdefs.ErrUnavailable
	// ErrUnimplemented: the call or option is not supported.
	ErrUnimplemented = cerrdefs.ErrNotImplemented
	// ErrDeadlineExceeded: the operation ran out of time.
	ErrDeadlineExceeded = context.DeadlineExceeded
	// ErrPermissionDenied: the caller or host forbids the operation.
	ErrPermissionDenied = cerrdefs.ErrPermissionDenied
	// ErrResourceExhausted: the host ran out of something (disk space).
	ErrResourceExhausted = cerrdefs.ErrResourceExhausted
	// ErrDataLoss: stored state is corrupt (a checkpoint's checksum).
	ErrDataLoss = cerrdefs.ErrDataLoss
)

// InvalidArgument returns an error of class ErrInvalidArgument.
func InvalidArgument(format string, args ...any) error {
	return classed(ErrInvalidArgument, format, args...)
}

// NotFound returns an error of class ErrNotFound.
func NotFound(format string, args ...any) error {
	return classed(ErrNotFound, format, args...)
}

// AlreadyExists returns an error of class ErrAlreadyExists.
func AlreadyExists(format string, args ...any) error {
	return classed(ErrAlreadyExists, format, args...)
}

// FailedPrecondition returns an error of class ErrFailedPrecondition.
func FailedPrecondition(format string, args ...any) error {
	return classed(ErrFailedPrecondition, format, args...)
}

// Unimplemented returns an error of class ErrUnimplemented.
func Unimplemented(format string, args ...any) error {
	return classed(ErrUnimplemented, format, args...)
}

// classedError keeps the human message free of the class prefix while still
// matching errors.Is(err, class) and unwrapping to any wrapped cause.
type classedError struct {
	class error
	err   error
}

func (e *classedError) Error() string   { return e.err.Error() }
func (e *classedError) Unwrap() []error { return []error{e.class, e.err} }

func classed(class error, format string, args ...any) error {
	return &classedError{class: class, err: fmt.Errorf(format, args...)}
}

// Wrap classifies err as class, keeping err in the chain. A nil err stays nil.
func Wrap(class, err error) error {
	if err == nil {
		return nil
	}
	return &classedError{class: class, err: err}
}

// Class returns the class of the outermost classified error in err's chain
// (a handler that re-classifies a lower layer's error wins), as containerd's
// errdefs.Resolve finds it, or nil when err carries none.
func Class(err error) error {
	if err == nil {
		return nil
	}
	if c := cerrdefs.Resolve(err); c != cerrdefs.ErrUnknown {
		return c
	}
	return nil
}

// FromOS classifies a file-system error by its errno: a bad path is
// InvalidArgument, a refused one PermissionDenied, a full disk
// ResourceExhausted, a read-only file system FailedPrecondition. Any other
// error is returned as it is (Unknown at the boundary).
func FromOS(err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err
	}
	switch errno {
	case syscall.ENOTDIR, syscall.EISDIR, syscall.ENAMETOOLONG, syscall.ELOOP, syscall.EINVAL:
		return Wrap(ErrInvalidArgument, err)
	case syscall.EACCES, syscall.EPERM:
		return Wrap(ErrPermissionDenied, err)
	case syscall.ENOSPC, syscall.EDQUOT:
		return Wrap(ErrResourceExhausted, err)
	case syscall.EROFS:
		return Wrap(ErrFailedPrecondition, err)
	}
	return err
}
