package shim

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// codeOf maps an error's class to its gRPC code. This is the only place
// where errors become codes.
func codeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	if s, ok := status.FromError(err); ok {
		return s.Code()
	}
	classes := []struct {
		class error
		code  codes.Code
	}{
		{errdefs.ErrInvalidArgument, codes.InvalidArgument},
		{errdefs.ErrNotFound, codes.NotFound},
		{errdefs.ErrAlreadyExists, codes.AlreadyExists},
		{errdefs.ErrFailedPrecondition, codes.FailedPrecondition},
		{errdefs.ErrUnavailable, codes.Unavailable},
		{errdefs.ErrUnimplemented, codes.Unimplemented},
		{errdefs.ErrPermissionDenied, codes.PermissionDenied},
		{errdefs.ErrDeadlineExceeded, codes.DeadlineExceeded},
		{context.DeadlineExceeded, codes.DeadlineExceeded},
		{context.Canceled, codes.Canceled},
	}
	if outer := errdefs.Class(err); outer != nil {
		for _, c := range classes {
			if outer == c.class {
				return c.code
			}
		}
	}
	for _, c := range classes {
		if errors.Is(err, c.class) {
			return c.code
		}
	}
	return codes.Unknown
}

// toStatus turns a handler error into a gRPC status error.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	return status.Error(codeOf(err), err.Error())
}
