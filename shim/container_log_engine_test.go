package shim

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dockercri/dockercri/docker"
)

// TestOwnStateChangeYieldsToEvents: dockercri's own start or stop writes
// the new state into the index unless the event stream wrote the entry
// while the call ran (a container that exits at once has its start and
// die applied before StartContainer returns).
func TestOwnStateChangeYieldsToEvents(t *testing.T) {
	const id = "c1"
	tests := []struct {
		name   string
		during func(x *containerIndex) // what the event stream does meanwhile
		own    string
		want   string
	}{
		{name: "start, quiet", during: func(*containerIndex) {}, own: "running", want: "running"},
		{name: "start, exited at once", during: func(x *containerIndex) {
			x.setState(id, "running")
			x.setState(id, "exited")
		}, own: "running", want: "exited"},
		{name: "start, start event first", during: func(x *containerIndex) { x.setState(id, "running") }, own: "running", want: "running"},
		{name: "stop, quiet", during: func(*containerIndex) {}, own: "exited", want: "exited"},
		{name: "stop, die event first", during: func(x *containerIndex) { x.setState(id, "exited") }, own: "exited", want: "exited"},
		{name: "removed meanwhile", during: func(x *containerIndex) { x.remove(id) }, own: "running"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var x containerIndex
			x.replace([]docker.ContainerSummary{{ID: id, State: "created"}}, time.Now())
			ver := x.version(id)
			tc.during(&x)
			x.setStateIf(id, tc.own, ver)
			st, ok := x.stateOf(id)
			assert.Equal(t, tc.want != "", ok)
			assert.Equal(t, tc.want, st)
		})
	}
}

func TestWaitExited(t *testing.T) {
	const id = "c1"
	tests := []struct {
		name  string
		state string
		later func(x *containerIndex) // while waiting
		wait  time.Duration
		want  bool
	}{
		{name: "exited", state: "exited", want: true},
		{name: "created", state: "created", want: true},
		{name: "running, no wait", state: "running", want: false},
		{name: "running, exits while waiting", state: "running", wait: 5 * time.Second,
			later: func(x *containerIndex) { x.setState(id, "exited") }, want: true},
		{name: "running, other entries change", state: "running", wait: 50 * time.Millisecond,
			later: func(x *containerIndex) { x.put(docker.ContainerSummary{ID: "other", State: "running"}) }, want: false},
		{name: "running, removed while waiting", state: "running", wait: 5 * time.Second,
			later: func(x *containerIndex) { x.remove(id) }, want: false},
		{name: "running, stream broke while waiting", state: "running", wait: 5 * time.Second,
			later: func(x *containerIndex) { x.desync() }, want: false},
		{name: "not indexed", state: "", wait: 5 * time.Second, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var x containerIndex
			var all []docker.ContainerSummary
			if tc.state != "" {
				all = append(all, docker.ContainerSummary{ID: id, State: tc.state})
			}
			x.replace(all, time.Now())
			if tc.later != nil {
				go func() {
					time.Sleep(10 * time.Millisecond)
					tc.later(&x)
				}()
			}
			start := time.Now()
			assert.Equal(t, tc.want, x.waitExited(context.Background(), id, tc.wait))
			assert.Less(t, time.Since(start), 3*time.Second, "an answer the index has does not wait out the timeout")
		})
	}
	t.Run("not synced", func(t *testing.T) {
		var x containerIndex
		assert.False(t, x.waitExited(context.Background(), id, 5*time.Second))
	})
	t.Run("ctx ends", func(t *testing.T) {
		var x containerIndex
		x.replace([]docker.ContainerSummary{{ID: id, State: "running"}}, time.Now())
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		assert.False(t, x.waitExited(ctx, id, 5*time.Second))
	})
}

// TestLogFollowerExitFromIndex: when a container stops, its log follower
// learns of the exit from the index, not from a Docker inspect.
func TestLogFollowerExitFromIndex(t *testing.T) {
	env := newTestEnv(t, withTickingClock())
	env.waitSynced(t)
	m := env.withLogManager(t, t.TempDir())
	id, path := env.startedContainer(t)
	require.NoError(t, env.engine.AppendLog(id, "stdout", "last words\n"))
	before := env.engine.Calls("InspectContainer")
	stopAndWait(t, env, m, id)
	assert.Equal(t, before, env.engine.Calls("InspectContainer"))
	assert.Equal(t, []string{"stdout F last words"}, texts(logLines(t, path)))
}
