package hostprobe

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMissingCaps(t *testing.T) {
	const full40 = uint64(1)<<41 - 1 // CAP_CHOWN..CAP_CHECKPOINT_RESTORE
	tests := []struct {
		name string
		bnd  uint64
		last int
		want []string
	}{
		{"all present", full40, 40, nil},
		{"no sys_resource", full40 &^ (1 << 24), 40, []string{"CAP_SYS_RESOURCE"}},
		{"no sys_admin nor bpf", full40 &^ (1<<21 | 1<<39), 40, []string{"CAP_SYS_ADMIN", "CAP_BPF"}},
		{"older kernel ignores newer caps", full40 &^ (1 << 40), 39, nil},
		{"unknown newer cap by number", full40, 42, []string{"CAP_41", "CAP_42"}},
		{"empty set", 0, 2, []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, missingCaps(tt.bnd, tt.last))
		})
	}
}

func TestBoundingSet(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	got, err := boundingSet(write("ok", "Name:\tx\nCapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\nSeccomp:\t0\n"))
	require.NoError(t, err)
	assert.Equal(t, uint64(0x1ffffffffff), got)

	_, err = boundingSet(write("none", "Name:\tx\n"))
	assert.ErrorContains(t, err, "no CapBnd")
	_, err = boundingSet(write("bad", "CapBnd:\tzz\n"))
	assert.ErrorContains(t, err, "parsing CapBnd")
	_, err = boundingSet(filepath.Join(dir, "absent"))
	assert.Error(t, err)
}

func TestMissingCapabilitiesSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	missing, err := MissingCapabilities()
	require.NoError(t, err)
	for _, c := range missing {
		assert.Regexp(t, `^CAP_[A-Z0-9_]+$`, c)
	}
}
