package docker

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/docker/docker/api/types/registry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/internal/errdefs"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestNormalizeRef(t *testing.T) {
	tests := []struct{ in, want string }{
		{"busybox", "docker.io/library/busybox:latest"},
		{"busybox:1.36", "docker.io/library/busybox:1.36"},
		{"library/busybox", "docker.io/library/busybox:latest"},
		{"user/app", "docker.io/user/app:latest"},
		{"127.0.0.1:5000/app", "127.0.0.1:5000/app:latest"},
		{"127.0.0.1:5000/app:v2", "127.0.0.1:5000/app:v2"},
		{"registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"},
		{"busybox@" + testDigest, "docker.io/library/busybox@" + testDigest},
		{"busybox:1.36@" + testDigest, "docker.io/library/busybox:1.36@" + testDigest},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeRef(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNormalizeRefRejects(t *testing.T) {
	for _, in := range []string{"", "Busybox", "busybox:", "busybox@sha256:short", "a b", ":tag", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"} {
		t.Run(in, func(t *testing.T) {
			got, err := NormalizeRef(in)
			assert.Empty(t, got)
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}

func decodeAuth(t *testing.T, s string) registry.AuthConfig {
	t.Helper()
	raw, err := base64.URLEncoding.DecodeString(s)
	require.NoError(t, err)
	var a registry.AuthConfig
	require.NoError(t, json.Unmarshal(raw, &a))
	return a
}

func TestEncodeAuth(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("alice:s3cr:et"))
	tests := []struct {
		name string
		in   Auth
		want registry.AuthConfig
	}{
		{"user and password", Auth{Username: "bob", Password: "pw", ServerAddress: "reg.local"},
			registry.AuthConfig{Username: "bob", Password: "pw", ServerAddress: "reg.local"}},
		{"auth field decoded", Auth{Auth: basic},
			registry.AuthConfig{Username: "alice", Password: "s3cr:et", Auth: basic}},
		{"explicit user wins over auth", Auth{Username: "bob", Password: "pw", Auth: basic},
			registry.AuthConfig{Username: "bob", Password: "pw", Auth: basic}},
		{"tokens", Auth{IdentityToken: "id-tok", RegistryToken: "reg-tok"},
			registry.AuthConfig{IdentityToken: "id-tok", RegistryToken: "reg-tok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeAuth(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, decodeAuth(t, got))
		})
	}
}

func TestEncodeAuthEmpty(t *testing.T) {
	got, err := EncodeAuth(Auth{})
	require.NoError(t, err)
	assert.Equal(t, "", got)
}

func TestEncodeAuthRejects(t *testing.T) {
	tests := []struct {
		name string
		auth string
	}{
		{"not base64", "%%%not-base64"},
		{"no colon", base64.StdEncoding.EncodeToString([]byte("alice"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeAuth(Auth{Auth: tt.auth})
			assert.Empty(t, got)
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}
