package docker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/containerd/errdefs/pkg/errhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/internal/errdefs"
)

var allClasses = []error{
	errdefs.ErrInvalidArgument, errdefs.ErrNotFound, errdefs.ErrAlreadyExists, errdefs.ErrFailedPrecondition,
	errdefs.ErrUnavailable, errdefs.ErrUnimplemented, errdefs.ErrDeadlineExceeded, errdefs.ErrPermissionDenied,
}

// httpError is built the way the Docker client builds errors from a daemon
// response (client/errors.go): the message, classified by status code.
type httpError struct {
	err    error
	errdef error
}

func (e *httpError) Error() string        { return e.err.Error() }
func (e *httpError) Unwrap() error        { return e.err }
func (e *httpError) Is(target error) bool { return errors.Is(e.errdef, target) }

func fromDaemon(status int, msg string) error {
	return &httpError{err: errors.New("Error response from daemon: " + msg), errdef: errhttp.ToNative(status)}
}

// TestClassifyPull: a 500 on a pull is the registry failing (Unavailable);
// other answers are classified as everywhere else.
func TestClassifyPull(t *testing.T) {
	assert.NoError(t, classifyPull(nil, "x"))
	err := classifyPull(fromDaemon(http.StatusInternalServerError, "received unexpected HTTP status: 502 Bad Gateway"), "registry.local/app:v1")
	assert.Equal(t, errdefs.ErrUnavailable, errdefs.Class(err))
	assert.Contains(t, err.Error(), "pull image registry.local/app:v1")
	assert.Equal(t, errdefs.ErrNotFound, errdefs.Class(classifyPull(fromDaemon(http.StatusNotFound, "manifest unknown"), "x")))
	assert.Equal(t, errdefs.ErrPermissionDenied, errdefs.Class(classifyPull(fromDaemon(http.StatusUnauthorized, "denied"), "x")))
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // nil: no class
	}{
		{"containerd not found wrapped", fmt.Errorf("inspect: %w", cerrdefs.ErrNotFound), errdefs.ErrNotFound},
		{"daemon 404", fromDaemon(http.StatusNotFound, "No such container: x"), errdefs.ErrNotFound},
		{"daemon 400", fromDaemon(http.StatusBadRequest, "invalid reference format"), errdefs.ErrInvalidArgument},
		{"daemon 409 conflict", fromDaemon(http.StatusConflict, `Conflict. The container name "/x" is already in use`), errdefs.ErrAlreadyExists},
		{"containerd already exists", cerrdefs.ErrAlreadyExists, errdefs.ErrAlreadyExists},
		{"daemon 401", fromDaemon(http.StatusUnauthorized, "authentication required"), errdefs.ErrPermissionDenied},
		{"daemon 403", fromDaemon(http.StatusForbidden, "forbidden"), errdefs.ErrPermissionDenied},
		{"daemon 412", fromDaemon(http.StatusPreconditionFailed, "precondition"), errdefs.ErrFailedPrecondition},
		{"daemon 304", fromDaemon(http.StatusNotModified, "container already started"), errdefs.ErrFailedPrecondition},
		{"daemon 501", fromDaemon(http.StatusNotImplemented, "not implemented"), errdefs.ErrUnimplemented},
		{"daemon 503", fromDaemon(http.StatusServiceUnavailable, "unavailable"), errdefs.ErrUnavailable},
		{"daemon 500", fromDaemon(http.StatusInternalServerError, "oci runtime error"), nil},
		{"deadline", fmt.Errorf("get: %w", context.DeadlineExceeded), errdefs.ErrDeadlineExceeded},
		{"canceled", fmt.Errorf("get: %w", context.Canceled), nil},
		{"dial refused", &net.OpError{Op: "dial", Net: "unix", Err: syscall.ECONNREFUSED}, errdefs.ErrUnavailable},
		{"socket missing", fmt.Errorf("dial: %w", syscall.ENOENT), errdefs.ErrUnavailable},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), errdefs.ErrUnavailable},
		{"plain", errors.New("boom"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err, "do %s", "thing")
			require.Error(t, got)
			assert.Equal(t, "do thing: "+tt.err.Error(), got.Error(), "the message says what was being done")
			assert.ErrorIs(t, got, tt.err, "the cause stays in the chain")
			for _, c := range allClasses {
				assert.Equal(t, c == tt.want, errors.Is(got, c), "class %v", c)
			}
		})
	}
}

func TestClassifyKeepsContextCanceled(t *testing.T) {
	got := classify(context.Canceled, "pull")
	assert.ErrorIs(t, got, context.Canceled)
}

func TestClassifyNil(t *testing.T) {
	assert.NoError(t, classify(nil, "anything"))
}

func TestIsNotFound(t *testing.T) {
	assert.True(t, IsNotFound(classify(cerrdefs.ErrNotFound, "x")))
	assert.True(t, IsNotFound(fmt.Errorf("outer: %w", errdefs.NotFound("gone"))))
	assert.False(t, IsNotFound(classify(cerrdefs.ErrConflict, "x")))
	assert.False(t, IsNotFound(nil))
}
