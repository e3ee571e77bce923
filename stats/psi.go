package stats

// PSILine is one line ("some" or "full") of a pressure file.
type PSILine struct {
	Avg10, Avg60, Avg300 float64
	Total                uint64 // microseconds stalled
}

// PSI is a cgroup's pressure for one resource.
type PSI struct {
	Some, Full PSILine
}
