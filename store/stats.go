package store

import "github.com/dockercri/dockercri/stats"

// StatsState is what the stats path keeps of a container between
// requests (containerd's container store keeps the same): where its
// cgroup and writable layer are, found for process Pid, and the samples
// CPU rates are computed from, oldest first. It lives in the container's
// entry, so it goes when the container goes — however it went (a
// RemoveContainer, a pod's sweep, docker rm).
type StatsState struct {
	Pid    int
	Cgroup stats.Cgroup // immutable once set: a new location replaces it
	Upper  string
	Bases  []stats.Sample
	// PodBases are a sandbox's pod cgroup's samples (the pod's own rate).
	PodBases []stats.Sample
	// OOMKills is the cgroup's oom_kill count as last seen by its OOM
	// watch (cgroup v2, where Docker 20.10 misses OOM kills).
	OOMKills uint64
	// OOMKillsFromParent: the count was read from the parent cgroup
	// (stats.OOMKills.FromParent), so it could be a sibling's.
	OOMKillsFromParent bool
}

// Stats returns a copy of the stats state of a container; ok is false
// when the store holds none for it.
func (c *Containers) Stats(id string) (StatsState, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.entries[id]
	if !ok || e.stats == nil {
		return StatsState{}, false
	}
	st := *e.stats
	st.Bases = append([]stats.Sample(nil), st.Bases...)
	st.PodBases = append([]stats.Sample(nil), st.PodBases...)
	return st, true
}

// UpdateStats runs f, under one hold of the store's lock, on the stats
// state of each of ids that the store holds (a zero state where it keeps
// none yet). f must not keep st.
func (c *Containers) UpdateStats(ids []string, f func(id string, st *StatsState)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		e, ok := c.entries[id]
		if !ok {
			continue
		}
		if e.stats == nil {
			e.stats = &StatsState{}
		}
		f(id, e.stats)
	}
}
