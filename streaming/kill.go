package streaming

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// KillTree sends SIGKILL to pid and every process descending from it.
// Descendants are collected before anything is killed, so none escapes by
// being re-parented.
func KillTree(pid int) error {
	parents, err := parentMap("/proc")
	if err != nil {
		return err
	}
	victims := descendants(pid, parents)
	var errs []error
	for _, p := range victims {
		if err := syscall.Kill(p, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// descendants returns root and all processes below it in parents.
func descendants(root int, parents map[int]int) []int {
	children := map[int][]int{}
	for p, pp := range parents {
		children[pp] = append(children[pp], p)
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// parentMap reads pid → parent pid of every process under procDir.
func parentMap(procDir string) (map[int]int, error) {
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return nil, err
	}
	out := make(map[int]int, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(procDir + "/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		if ppid, ok := parseStatPPID(string(stat)); ok {
			out[pid] = ppid
		}
	}
	return out, nil
}

// parseStatPPID reads the parent pid from a /proc/<pid>/stat line; the
// command name may itself contain spaces and parentheses.
func parseStatPPID(stat string) (int, bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}
