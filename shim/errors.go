package shim

import (
	"github.com/containerd/errdefs/pkg/errgrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// toStatus turns a handler error into a gRPC status error: containerd's
// errgrpc maps the outermost error class (internal/errdefs) to its code.
// This is the only place where errors become codes; an error without a
// class is Unknown.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	st := errgrpc.ToGRPC(err)
	if _, ok := status.FromError(st); ok {
		return st
	}
	return status.Error(codes.Unknown, err.Error())
}

// codeOf is the gRPC code toStatus gives err.
func codeOf(err error) codes.Code {
	return status.Code(toStatus(err))
}
