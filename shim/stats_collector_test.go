package shim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/dockercri/dockercri/stats"
)

// TestRateBases: a CPU rate is never waited for and never taken over a
// few milliseconds: the first sample has no base, a call right after
// another uses the older base, and bases stay at least minRateGap apart.
func TestRateBases(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	at := func(d time.Duration) stats.Sample { return stats.Sample{Time: t0.Add(d), CPUUsageNanos: uint64(d)} }
	var bases []stats.Sample
	step := func(d time.Duration) (time.Duration, bool) {
		s := at(d)
		base, ok := rateBase(bases, s)
		bases = rememberSample(bases, s)
		return base.Time.Sub(t0), ok
	}
	_, ok := step(0)
	assert.False(t, ok, "first sample: no rate")
	_, ok = step(10 * time.Millisecond)
	assert.False(t, ok, "10 ms later: too short a window")
	base, ok := step(10 * time.Second)
	assert.True(t, ok)
	assert.Equal(t, time.Duration(0), base, "10 s later: the first sample is the base")
	base, ok = step(10*time.Second + 5*time.Millisecond)
	assert.True(t, ok, "right after a call, the older base serves")
	assert.Equal(t, time.Duration(0), base)
	base, ok = step(20 * time.Second)
	assert.True(t, ok)
	assert.Equal(t, 10*time.Second, base, "the newest base old enough")
	assert.Len(t, bases, 2, "two bases at most")
	_, ok = step(time.Hour)
	assert.False(t, ok, "bases older than maxBaseAge are not used")
}
