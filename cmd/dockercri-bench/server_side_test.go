package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestServerSideBetween(t *testing.T) {
	inf := math.Inf(1)
	before := map[string]buckets{
		"ListContainers": {0.0005: 10, 0.001: 10, 0.002: 10, inf: 10},
	}
	after := map[string]buckets{
		// 100 more calls: 90 under 0.5 ms, 9 under 1 ms, 1 under 2 ms.
		"ListContainers": {0.0005: 100, 0.001: 109, 0.002: 110, inf: 110},
		"Status":         {0.0005: 0, 0.001: 4, 0.002: 4, inf: 4},
		"Version":        {0.0005: 1, inf: 1},
	}
	got := serverSideBetween(before, after, []string{"ListContainers", "Status", "ListImages"})
	assert.Equal(t, []serverSide{
		{Method: "ListContainers", N: 100, P50LeMs: 0.5, P99LeMs: 1, ShareLe05Ms: 0.9},
		{Method: "Status", N: 4, P50LeMs: 1, P99LeMs: 1, ShareLe05Ms: 0},
	}, got, "methods without calls (ListImages) or not asked for (Version) are left out")
}

func TestQuantileBound(t *testing.T) {
	b := buckets{0.001: 50, 0.002: 99, math.Inf(1): 100}
	tests := []struct {
		q    float64
		want float64
	}{
		{0.5, 0.001},
		{0.99, 0.002},
		{1, math.Inf(1)},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, quantileBound(b, 100, tt.q), "q=%v", tt.q)
	}
}
