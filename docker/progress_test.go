package docker

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
