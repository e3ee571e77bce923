package errdefs

import (
	"errors"
	"fmt"
	"testing"

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
