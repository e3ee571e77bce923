package docker

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/internal/errdefs"
)

func TestDrainPull(t *testing.T) {
	stream := `{"status":"Pulling from library/busybox","id":"latest"}
{"status":"Downloading","id":"abc","progressDetail":{"current":10,"total":100}}
{"status":"Pull complete","id":"abc"}
`
	var got []Progress
	require.NoError(t, DrainPull(strings.NewReader(stream), func(p Progress) { got = append(got, p) }))
	assert.Equal(t, []Progress{
		{ID: "latest", Status: "Pulling from library/busybox"},
		{ID: "abc", Status: "Downloading", Current: 10, Total: 100},
		{ID: "abc", Status: "Pull complete"},
	}, got)
}

func TestDrainPullErrors(t *testing.T) {
	tests := []struct {
		name, stream, want string
	}{
		{"error in stream", `{"status":"Pulling"}` + "\n" + `{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}`, "manifest unknown"},
		{"truncated json", `{"status":"Pull`, "reading progress stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := DrainPull(strings.NewReader(tt.stream), nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	require.NoError(t, DrainPull(strings.NewReader(""), nil), "an empty stream is a finished pull")
}

// TestDrainPullClassifies: an error inside the stream is classified by the
// HTTP status the engine relays with it, never by its text.
func TestDrainPullClassifies(t *testing.T) {
	tests := []struct {
		name, stream string
		want         error // nil: no class
	}{
		{"no code", `{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}`, nil},
		{"401", `{"errorDetail":{"code":401,"message":"unauthorized"},"error":"unauthorized"}`, errdefs.ErrPermissionDenied},
		{"403", `{"errorDetail":{"code":403,"message":"denied"},"error":"denied"}`, errdefs.ErrPermissionDenied},
		{"404", `{"errorDetail":{"code":404,"message":"manifest unknown"},"error":"manifest unknown"}`, errdefs.ErrNotFound},
		{"429", `{"errorDetail":{"code":429,"message":"toomanyrequests"},"error":"toomanyrequests"}`, errdefs.ErrUnavailable},
		{"502", `{"errorDetail":{"code":502,"message":"bad gateway"},"error":"bad gateway"}`, errdefs.ErrUnavailable},
		{"400 is not guessed", `{"errorDetail":{"code":400,"message":"bad"},"error":"bad"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := DrainPull(strings.NewReader(tt.stream), nil)
			require.Error(t, err)
			assert.Equal(t, tt.want, errdefs.Class(err))
		})
	}
}
