package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	id        = "c1"
	labelType = "io.kubernetes.docker.type"
)

// synced is a store holding the given containers.
func synced(sums ...docker.ContainerSummary) *Containers {
	c := NewContainers()
	c.Replace(sums, time.Now())
	return c
}

func info(status string) docker.ContainerInfo {
	return docker.ContainerInfo{
		ContainerJSONBase: &container.ContainerJSONBase{ID: id, State: &container.State{Status: status}, HostConfig: &container.HostConfig{}},
		Config:            &container.Config{Labels: map[string]string{labelType: "container"}},
	}
}

// TestStoreInspectPerContainerVersion: an inspect read from Docker is
// stored only if its own container was not written since its version was
// read; writes to other containers do not matter.
func TestStoreInspectPerContainerVersion(t *testing.T) {
	tests := []struct {
		name   string
		before func(c *Containers) // after the version is read, before the store
		cached bool
	}{
		{name: "quiet", cached: true},
		{name: "event for it", before: func(c *Containers) { c.Invalidate(id) }},
		{name: "its state changed", before: func(c *Containers) { c.RecordState(id, "exited") }},
		{name: "event for another", before: func(c *Containers) { c.Invalidate("other"); c.RecordState("other", "exited") }, cached: true},
		{name: "another created", before: func(c *Containers) { c.Put(docker.ContainerSummary{ID: "other"}) }, cached: true},
		{name: "stream broke", before: func(c *Containers) { c.Desync() }},
		{name: "relisted", before: func(c *Containers) { c.Replace([]docker.ContainerSummary{{ID: id}}, time.Now()) }},
		{name: "removed", before: func(c *Containers) { c.Remove(id) }},
		{name: "removed and created again", before: func(c *Containers) { c.Remove(id); c.Put(docker.ContainerSummary{ID: id}) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := synced(docker.ContainerSummary{ID: id}, docker.ContainerSummary{ID: "other"})
			_, ver, ok := c.Inspect(id)
			require.False(t, ok)
			if tc.before != nil {
				tc.before(c)
			}
			c.StoreInspect(info("running"), ver)
			_, _, ok = c.Inspect(id)
			assert.Equal(t, tc.cached, ok)
		})
	}
}

func TestInspectSnapshots(t *testing.T) {
	t.Run("unknown container", func(t *testing.T) {
		c := synced()
		_, ver, _ := c.Inspect(id)
		c.StoreInspect(info("running"), ver)
		_, _, ok := c.Inspect(id)
		assert.False(t, ok, "only what the store holds is cached")
	})
	t.Run("unsynced serves nothing", func(t *testing.T) {
		c := synced(docker.ContainerSummary{ID: id})
		_, ver, _ := c.Inspect(id)
		c.StoreInspect(info("running"), ver)
		c.Desync()
		_, _, ok := c.Inspect(id)
		assert.False(t, ok)
		_, ok = c.Static(id)
		assert.False(t, ok)
	})
	t.Run("readers get deep copies", func(t *testing.T) {
		c := synced(docker.ContainerSummary{ID: id})
		_, ver, _ := c.Inspect(id)
		c.StoreInspect(info("running"), ver)
		got, _, ok := c.Inspect(id)
		require.True(t, ok)
		got.State.Status = "exited"
		got.Config.Labels[labelType] = "changed"
		got.HostConfig.CPUShares = 7
		again, _, _ := c.Inspect(id)
		assert.Equal(t, "running", again.State.Status)
		assert.Equal(t, "container", again.Config.Labels[labelType])
		assert.Zero(t, again.HostConfig.CPUShares)
	})
	t.Run("stale state: Static without State", func(t *testing.T) {
		c := synced(docker.ContainerSummary{ID: id, State: "created"})
		_, ver, _ := c.Inspect(id)
		c.StoreInspect(info("created"), ver)
		require.True(t, c.RecordState(id, "running"))
		_, _, ok := c.Inspect(id)
		assert.False(t, ok, "a start makes the state stale")
		st, ok := c.Static(id)
		require.True(t, ok)
		assert.Nil(t, st.State)
		assert.NotNil(t, st.Config)
	})
	t.Run("created: recorded with its inspect", func(t *testing.T) {
		c := synced()
		c.RecordCreated(info("created"))
		in, _, ok := c.Inspect(id)
		require.True(t, ok)
		assert.Equal(t, "created", in.State.Status)
		st, ok := c.StateOf(id)
		assert.True(t, ok)
		assert.Equal(t, "created", st)
	})
}

// TestOwnStateChangeYieldsToEvents: dockercri's own start or stop records
// the new state unless the event stream wrote the entry while the call ran
// (a container that exits at once has its start and die applied before
// StartContainer returns).
func TestOwnStateChangeYieldsToEvents(t *testing.T) {
	tests := []struct {
		name   string
		during func(c *Containers) // what the event stream does meanwhile
		own    string
		want   string
	}{
		{name: "start, quiet", during: func(*Containers) {}, own: "running", want: "running"},
		{name: "start, exited at once", during: func(c *Containers) {
			c.RecordState(id, "running")
			c.RecordState(id, "exited")
		}, own: "running", want: "exited"},
		{name: "start, start event first", during: func(c *Containers) { c.RecordState(id, "running") }, own: "running", want: "running"},
		{name: "stop, quiet", during: func(*Containers) {}, own: "exited", want: "exited"},
		{name: "stop, die event first", during: func(c *Containers) { c.RecordState(id, "exited") }, own: "exited", want: "exited"},
		{name: "removed meanwhile", during: func(c *Containers) { c.Remove(id) }, own: "running"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := synced(docker.ContainerSummary{ID: id, State: "created"})
			ver := c.Version(id)
			tc.during(c)
			c.RecordStateIf(id, tc.own, ver)
			st, ok := c.StateOf(id)
			assert.Equal(t, tc.want != "", ok)
			assert.Equal(t, tc.want, st)
		})
	}
}

func TestWaitExited(t *testing.T) {
	tests := []struct {
		name  string
		state string
		later func(c *Containers) // while waiting
		wait  time.Duration
		want  bool
	}{
		{name: "exited", state: "exited", want: true},
		{name: "created", state: "created", want: true},
		{name: "running, no wait", state: "running", want: false},
		{name: "running, exits while waiting", state: "running", wait: 5 * time.Second,
			later: func(c *Containers) { c.RecordState(id, "exited") }, want: true},
		{name: "running, other entries change", state: "running", wait: 50 * time.Millisecond,
			later: func(c *Containers) { c.Put(docker.ContainerSummary{ID: "other", State: "running"}) }, want: false},
		{name: "running, removed while waiting", state: "running", wait: 5 * time.Second,
			later: func(c *Containers) { c.Remove(id) }, want: false},
		{name: "running, stream broke while waiting", state: "running", wait: 5 * time.Second,
			later: func(c *Containers) { c.Desync() }, want: false},
		{name: "not held", state: "", wait: 5 * time.Second, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var all []docker.ContainerSummary
			if tc.state != "" {
				all = append(all, docker.ContainerSummary{ID: id, State: tc.state})
			}
			c := synced(all...)
			var wg sync.WaitGroup
			if tc.later != nil {
				wg.Go(func() {
					time.Sleep(10 * time.Millisecond)
					tc.later(c)
				})
			}
			start := time.Now()
			assert.Equal(t, tc.want, c.WaitExited(context.Background(), id, tc.wait))
			assert.Less(t, time.Since(start), 3*time.Second, "an answer the store has does not wait out the timeout")
			wg.Wait()
		})
	}
	t.Run("not synced", func(t *testing.T) {
		assert.False(t, NewContainers().WaitExited(context.Background(), id, 5*time.Second))
	})
	t.Run("ctx ends", func(t *testing.T) {
		c := synced(docker.ContainerSummary{ID: id, State: "running"})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		assert.False(t, c.WaitExited(ctx, id, 5*time.Second))
	})
}

// TestListSnapshots: a listed summary is the caller's to change; a memo is
// kept for its version only.
func TestListSnapshots(t *testing.T) {
	c := synced(docker.ContainerSummary{ID: id, State: "running", Labels: map[string]string{labelType: "container"}})
	list, ok := c.List(labelType, "container")
	require.True(t, ok)
	require.Len(t, list, 1)
	list[0].Summary.Labels[labelType] = "changed"
	again, _ := c.List(labelType, "container")
	assert.Equal(t, "container", again[0].Summary.Labels[labelType])

	c.Memo(id, again[0].Version, "converted")
	memo, _ := c.List(labelType, "container")
	assert.Equal(t, "converted", memo[0].Memo)
	c.Invalidate(id)
	c.StaleState(id)
	memo, _ = c.List(labelType, "container")
	assert.Equal(t, "converted", memo[0].Memo, "writes to the inspect data alone keep the memo")
	c.RecordState(id, "exited")
	after, _ := c.List(labelType, "container")
	assert.Nil(t, after[0].Memo, "a write drops the memo")
	c.Memo(id, again[0].Version, "late")
	after, _ = c.List(labelType, "container")
	assert.Nil(t, after[0].Memo, "a memo of an older version is not kept")

	none, ok := c.List(labelType, "podsandbox")
	assert.True(t, ok)
	assert.Empty(t, none)
	c.Desync()
	_, ok = c.List(labelType, "container")
	assert.False(t, ok, "unsynced: callers ask Docker")
	select {
	case <-c.ResyncRequested():
	default:
		t.Fatal("a desync asks the event loop to relist")
	}
}

// TestApply: what each event does to the store and what the event loop
// must read again.
func TestApply(t *testing.T) {
	at := time.Now().Add(time.Second)
	ev := func(action, cid string) docker.Event { return docker.Event{Action: action, ContainerID: cid, Time: at} }
	c := synced(docker.ContainerSummary{ID: id, State: "created"})
	_, ver, _ := c.Inspect(id)
	c.StoreInspect(info("created"), ver)

	assert.Equal(t, Nothing, c.Apply(ev("exec_start", id)))
	_, _, ok := c.Inspect(id)
	assert.True(t, ok, "an exec leaves the inspect data alone")

	assert.Equal(t, Nothing, c.Apply(ev("start", id)))
	st, _ := c.StateOf(id)
	assert.Equal(t, "running", st)
	_, _, ok = c.Inspect(id)
	assert.False(t, ok, "a start makes the state stale")
	_, ok = c.Static(id)
	assert.True(t, ok, "the lasting parts stay")

	assert.Equal(t, Nothing, c.Apply(ev("die", id)))
	st, _ = c.StateOf(id)
	assert.Equal(t, "exited", st)

	assert.Equal(t, Nothing, c.Apply(ev("update", id)))
	_, ok = c.Static(id)
	assert.False(t, ok, "an update drops the inspect data")

	assert.Equal(t, Reread, c.Apply(ev("rename", id)))
	assert.Equal(t, Reread, c.Apply(ev("start", "unknown")))
	assert.Equal(t, RereadUnlessOwn, c.Apply(ev("create", "new")))
	assert.Equal(t, Nothing, c.Apply(ev("create", id)), "a create of a held container (dockercri's own)")

	assert.Equal(t, Nothing, c.Apply(ev("destroy", id)))
	assert.False(t, c.Has(id))

	old := docker.Event{Action: "destroy", ContainerID: "x", Time: time.Now().Add(-time.Hour)}
	c.Put(docker.ContainerSummary{ID: "x"})
	c.Apply(old)
	assert.True(t, c.Has("x"), "an event older than the last list is already reflected")
}

// TestStaleInspectServesLookups: after a start or an exit the cached data
// no longer answers status calls, but lookups (which read only what a
// container keeps for life) still come from it, with State and
// NetworkSettings nil; anything else drops it.
func TestStaleInspectServesLookups(t *testing.T) {
	in := docker.ContainerInfo{
		ContainerJSONBase: &container.ContainerJSONBase{ID: id, Name: "/k8s_c", State: &container.State{Status: "created"},
			HostConfig: &container.HostConfig{Runtime: "runc"}},
		Config:          &container.Config{Labels: map[string]string{labelType: "container"}},
		NetworkSettings: &container.NetworkSettings{},
	}
	tests := []struct {
		name   string
		change func(c *Containers)
		status bool // served to status calls
		lookup bool // served to lookups
	}{
		{name: "quiet", change: func(*Containers) {}, status: true, lookup: true},
		{name: "state change", change: func(c *Containers) { c.StaleState(id) }, lookup: true},
		{name: "own start", change: func(c *Containers) { c.RecordStateIf(id, "running", c.Version(id)) }, lookup: true},
		{name: "other change", change: func(c *Containers) { c.Invalidate(id) }},
		{name: "stream broke", change: func(c *Containers) { c.Desync() }},
		{name: "removed", change: func(c *Containers) { c.Remove(id) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := synced(docker.ContainerSummary{ID: id, State: "created"})
			_, ver, _ := c.Inspect(id)
			c.StoreInspect(in, ver)
			tc.change(c)
			_, _, ok := c.Inspect(id)
			assert.Equal(t, tc.status, ok, "status")
			got, ok := c.Static(id)
			require.Equal(t, tc.lookup, ok, "lookup")
			if !ok {
				return
			}
			assert.Equal(t, "/k8s_c", got.Name)
			assert.Equal(t, "runc", got.HostConfig.Runtime)
			if tc.status {
				assert.NotNil(t, got.State)
			} else {
				assert.Nil(t, got.State, "a stale State is not handed out")
				assert.Nil(t, got.NetworkSettings)
			}
		})
	}
}

// TestStatsStateLivesInTheEntry: the stats path's per-container state
// survives a relist or reread of its container and goes with it, however
// it was removed; readers get copies.
func TestStatsStateLivesInTheEntry(t *testing.T) {
	c := synced(docker.ContainerSummary{ID: id, State: "running"})
	_, ok := c.Stats(id)
	assert.False(t, ok, "nothing kept yet")
	c.UpdateStats([]string{id, "not-held"}, func(got string, st *StatsState) {
		assert.Equal(t, id, got, "only held containers are updated")
		st.Pid = 42
		st.Bases = append(st.Bases, stats.Sample{CPUUsageNanos: 1})
	})
	st, ok := c.Stats(id)
	require.True(t, ok)
	assert.Equal(t, 42, st.Pid)
	st.Bases[0].CPUUsageNanos = 99
	again, _ := c.Stats(id)
	assert.Equal(t, uint64(1), again.Bases[0].CPUUsageNanos, "a copy was handed out")

	c.Put(docker.ContainerSummary{ID: id, State: "running"})
	c.Replace([]docker.ContainerSummary{{ID: id, State: "running"}}, time.Now())
	_, ok = c.Stats(id)
	assert.True(t, ok, "kept across a reread and a relist")

	c.Remove(id)
	_, ok = c.Stats(id)
	assert.False(t, ok, "gone with its container")
}
