package stats

import (
	"path/filepath"
	"testing"
)

// v2Container is a cgroup v2 container's files as a 6.1 kernel writes them
// (memory.stat trimmed to its first lines plus the ones read).
var v2Container = map[string]string{
	"cpu.stat":            "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\nnr_periods 20\nnr_throttled 5\nthrottled_usec 3000\nnr_bursts 0\nburst_usec 0\n",
	"memory.current":      "8192000\n",
	"memory.max":          "max\n",
	"memory.peak":         "9000000\n",
	"memory.stat":         "anon 4096000\nfile 4096000\nkernel 0\nkernel_stack 16384\nsock 0\nshmem 0\nfile_mapped 0\nfile_dirty 0\nactive_anon 0\ninactive_anon 4096000\nactive_file 0\ninactive_file 1024000\nunevictable 0\npgfault 9\npgmajfault 2\n",
	"memory.swap.current": "0\n",
	"memory.swap.max":     "max\n",
	"memory.events":       "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n",
	"pids.current":        "5\n",
	"pids.max":            "max\n",
	"io.stat":             "8:0 rbytes=100 wbytes=200 rios=3 wios=4 dbytes=0 dios=0\n",
	"cpu.pressure":        "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
	"memory.pressure":     "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
	"io.pressure":         "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
}

// BenchmarkReadV2 reads one container's sample (what every stats RPC
// reads per container) and its extended counters (metrics only) from a
// fake v2 tree on the test's temporary directory.
func BenchmarkReadV2(b *testing.B) {
	root := b.TempDir()
	files := map[string]string{"cg/cgroup.controllers": "cpu io memory pids\n"}
	for f, v := range v2Container {
		files["cg/system.slice/docker-abc.scope/"+f] = v
	}
	writeFiles(b, root, files)
	r := &Reader{CgroupRoot: filepath.Join(root, "cg")}
	cg := Cgroup{V2: true, Unified: "/system.slice/docker-abc.scope"}
	b.Run("Read", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.Read(cg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadExtended", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.ReadExtended(cg); err != nil {
				b.Fatal(err)
			}
		}
	})
}
