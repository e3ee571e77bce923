package hostprobe

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppArmorProfileLoaded(t *testing.T) {
	dir := t.TempDir()
	loaded, enabled, err := AppArmorProfileLoaded(dir, "x")
	require.NoError(t, err)
	assert.False(t, enabled, "no apparmor/profiles: AppArmor is off")
	assert.False(t, loaded)

	require.NoError(t, os.MkdirAll(filepath.Join(dir, "apparmor"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "apparmor", "profiles"),
		[]byte("docker-default (enforce)\ncri-validate-apparmor-test-deny-write (enforce)\n/usr/bin/man (complain)\nname with space (enforce)\n"), 0o644))
	tests := []struct {
		name string
		want bool
	}{
		{"docker-default", true},
		{"cri-validate-apparmor-test-deny-write", true},
		{"/usr/bin/man", true},
		{"name with space", true},
		{"non-existent-profile", false},
		{"docker", false},
		{"", false},
	}
	for _, tt := range tests {
		loaded, enabled, err := AppArmorProfileLoaded(dir, tt.name)
		require.NoError(t, err)
		assert.True(t, enabled)
		assert.Equal(t, tt.want, loaded, tt.name)
	}
}
