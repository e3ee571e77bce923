package failpoint

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]bool
	}{
		{"", map[string]bool{}},
		{"a", map[string]bool{"a": true}},
		{" a , b,,", map[string]bool{"a": true, "b": true}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, parse(tt.in), "%q", tt.in)
	}
}

func TestHitDisabledReturns(t *testing.T) {
	enabled = map[string]bool{"other": true}
	Hit("cni-after-add") // must return: not enabled
	assert.False(t, Enabled("cni-after-add"))
	assert.True(t, Enabled("other"))
}
