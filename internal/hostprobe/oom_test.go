package hostprobe

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "oom_score_adj")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func TestMinOOMScoreAdjLowerable(t *testing.T) {
	tests := []struct {
		name, content string
		restored      int
	}{
		{"zero", "0\n", 0},
		{"positive", "500", 500},
		{"negative with spaces", "  -500 \n", -500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTemp(t, tt.content)
			got, err := minOOMScoreAdj(p)
			require.NoError(t, err)
			assert.Equal(t, -1000, got, "a writable value can go all the way down")
			after, err := readInt(p)
			require.NoError(t, err)
			assert.Equal(t, tt.restored, after, "the probe puts the value back")
		})
	}
}

func TestMinOOMScoreAdjAlreadyMinimal(t *testing.T) {
	p := writeTemp(t, "-1000")
	got, err := minOOMScoreAdj(p)
	require.NoError(t, err)
	assert.Equal(t, -1000, got)
}

func TestMinOOMScoreAdjRefused(t *testing.T) {
	// A 0444 sysctl refuses writes even to root; a chmod'ed temp file
	// refuses them to anyone else.
	p := "/proc/sys/kernel/ngroups_max"
	if os.Geteuid() != 0 {
		p = writeTemp(t, "300")
		require.NoError(t, os.Chmod(p, 0o444))
	}
	want, err := readInt(p)
	if err != nil {
		t.Skipf("no read-only integer file to probe: %v", err)
	}
	got, err := minOOMScoreAdj(p)
	require.NoError(t, err)
	assert.Equal(t, want, got, "when lowering is refused the current value is the floor")
}

func TestMinOOMScoreAdjErrors(t *testing.T) {
	tests := []struct {
		name string
		path string
	}{
		{"missing file", filepath.Join(t.TempDir(), "absent")},
		{"not a number", writeTemp(t, "low")},
		{"empty", writeTemp(t, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := minOOMScoreAdj(tt.path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.path)
		})
	}
}

func TestMinOOMScoreAdjSelf(t *testing.T) {
	before, err := readInt(oomScoreAdjPath)
	if err != nil {
		t.Skipf("no %s: %v", oomScoreAdjPath, err)
	}
	got, err := MinOOMScoreAdj()
	require.NoError(t, err)
	assert.True(t, got == -1000 || got == before, "floor %d is neither -1000 nor the current %d", got, before)
	after, err := readInt(oomScoreAdjPath)
	require.NoError(t, err)
	assert.Equal(t, before, after, "probing leaves this process's score unchanged")
}

func TestWriteIntReadInt(t *testing.T) {
	p := writeTemp(t, "")
	for _, v := range []int{0, -1000, 1000, 7} {
		require.NoError(t, writeInt(p, v))
		buf, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, strconv.Itoa(v), strings.TrimSpace(string(buf)))
		got, err := readInt(p)
		require.NoError(t, err)
		assert.Equal(t, v, got)
	}
}
