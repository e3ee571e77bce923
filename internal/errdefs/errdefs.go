// Package errdefs holds the error classes that cross dockercri's layers.
//
// Lower layers (docker/, translate/) wrap their errors with one of these
// sentinels; the gRPC boundary in shim/ maps each class to exactly one gRPC
// code. Nothing is ever classified by matching message text.
package errdefs

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidArgument: the request itself is malformed.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrNotFound: the named object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: an object with that name or id already exists.
	ErrAlreadyExists = errors.New("already exists")
	// ErrFailedPrecondition: the object is in the wrong state for the call.
	ErrFailedPrecondition = errors.New("failed precondition")
	// ErrUnavailable: Docker Engine cannot be reached right now.
	ErrUnavailable = errors.New("unavailable")
	// ErrUnimplemented: the call or option is not supported.
	ErrUnimplemented = errors.New("unimplemented")
	// ErrDeadlineExceeded: the operation ran out of time.
	ErrDeadlineExceeded = errors.New("deadline exceeded")
	// ErrPermissionDenied: the caller or host forbids the operation.
	ErrPermissionDenied = errors.New("permission denied")
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
// (a handler that re-classifies a lower layer's error wins), or nil.
func Class(err error) error {
	var ce *classedError
	if errors.As(err, &ce) {
		return ce.class
	}
	return nil
}
