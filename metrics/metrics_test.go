package metrics

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOperation(t *testing.T) {
	cases := map[[2]string]string{
		{"GET", "/v1.41/containers/abc123/json"}:                  "GET /containers/{id}/json",
		{"GET", "/v1.41/containers/json"}:                         "GET /containers/json",
		{"POST", "/v1.41/containers/create"}:                      "POST /containers/create",
		{"POST", "/v1.41/containers/abc/start"}:                   "POST /containers/{id}/start",
		{"DELETE", "/v1.41/containers/abc"}:                       "DELETE /containers/{id}",
		{"GET", "/v1.41/images/localhost/dockercri/pause:1/json"}: "GET /images/{id}/json",
		{"GET", "/v1.41/images/busybox/json"}:                     "GET /images/{id}/json",
		{"POST", "/v1.41/exec/e1/start"}:                          "POST /exec/{id}/start",
		{"GET", "/_ping"}:                                         "GET /_ping",
		{"GET", "/v1.41/info"}:                                    "GET /info",
	}
	for in, want := range cases {
		assert.Equal(t, want, Operation(in[0], in[1]), in[1])
	}
}

func TestBindAddr(t *testing.T) {
	assert.Equal(t, "127.0.0.1:9099", BindAddr("9099"))
	assert.Equal(t, "127.0.0.1:9099", BindAddr(":9099"))
	assert.Equal(t, "0.0.0.0:9099", BindAddr("0.0.0.0:9099"))
	assert.Equal(t, "[::1]:9099", BindAddr("[::1]:9099"))
}
