package errdefs

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/stretchr/testify/assert"
)

func TestConstructorsClassify(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		class error
	}{
		{"invalid argument", InvalidArgument("bad %s", "x"), ErrInvalidArgument},
		{"not found", NotFound("no %d", 7), ErrNotFound},
		{"already exists", AlreadyExists("dup"), ErrAlreadyExists},
		{"failed precondition", FailedPrecondition("state"), ErrFailedPrecondition},
		{"unimplemented", Unimplemented("nope"), ErrUnimplemented},
	}
	all := []error{ErrInvalidArgument, ErrNotFound, ErrAlreadyExists, ErrFailedPrecondition, ErrUnavailable, ErrUnimplemented, ErrDeadlineExceeded, ErrPermissionDenied}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range all {
				assert.Equal(t, c == tt.class, errors.Is(tt.err, c), "class %v", c)
			}
			wrapped := fmt.Errorf("outer: %w", tt.err)
			assert.ErrorIs(t, wrapped, tt.class, "the class survives %%w wrapping")
		})
	}
}

func TestMessageHasNoClassPrefix(t *testing.T) {
	assert.Equal(t, "bad x", InvalidArgument("bad %s", "x").Error())
	assert.Equal(t, "no 7", NotFound("no %d", 7).Error())
}

func TestConstructorWrapsCause(t *testing.T) {
	cause := errors.New("cause")
	err := InvalidArgument("reading: %w", cause)
	assert.ErrorIs(t, err, cause)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Equal(t, "reading: cause", err.Error())
}

func TestWrap(t *testing.T) {
	assert.NoError(t, Wrap(ErrNotFound, nil))
	cause := errors.New("dial unix: no such file")
	err := Wrap(ErrUnavailable, cause)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorIs(t, err, cause)
	assert.NotErrorIs(t, err, ErrNotFound)
	assert.Equal(t, cause.Error(), err.Error())

	twice := Wrap(ErrFailedPrecondition, Wrap(ErrAlreadyExists, cause))
	assert.ErrorIs(t, twice, ErrFailedPrecondition)
	assert.ErrorIs(t, twice, ErrAlreadyExists, "an inner class is still visible")
}

func TestFromOS(t *testing.T) {
	tests := []struct {
		errno syscall.Errno
		want  error // nil: not classified
	}{
		{syscall.ENOTDIR, ErrInvalidArgument},
		{syscall.ENAMETOOLONG, ErrInvalidArgument},
		{syscall.EACCES, ErrPermissionDenied},
		{syscall.EPERM, ErrPermissionDenied},
		{syscall.ENOSPC, ErrResourceExhausted},
		{syscall.EDQUOT, ErrResourceExhausted},
		{syscall.EROFS, ErrFailedPrecondition},
		{syscall.EIO, nil},
	}
	for _, tt := range tests {
		t.Run(tt.errno.Error(), func(t *testing.T) {
			err := FromOS(fmt.Errorf("creating log file x: %w", &os.PathError{Op: "open", Path: "x", Err: tt.errno}))
			assert.Equal(t, tt.want, Class(err))
			assert.ErrorIs(t, err, tt.errno, "the cause stays in the chain")
		})
	}
	plain := errors.New("plain")
	assert.Equal(t, plain, FromOS(plain))
}

// TestClassesAreContainerds: the classes are containerd's own, so its
// Is* helpers and errgrpc recognise them.
func TestClassesAreContainerds(t *testing.T) {
	assert.True(t, cerrdefs.IsNotFound(NotFound("x")))
	assert.True(t, cerrdefs.IsNotImplemented(Unimplemented("x")))
	assert.True(t, cerrdefs.IsResourceExhausted(Wrap(ErrResourceExhausted, errors.New("full"))))
	assert.Equal(t, ErrFailedPrecondition, Class(Wrap(ErrFailedPrecondition, AlreadyExists("in use"))), "the outermost class")
	assert.Nil(t, Class(errors.New("plain")))
	assert.Nil(t, Class(nil))
}
