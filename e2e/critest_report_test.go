package e2e

import (
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// readSkipList reads the skip list: one ginkgo regex per line, `#` comments
// (each entry's reason) and blank lines ignored. It returns the entries
// joined into one regex, "" if there are none.
func readSkipList(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("critest skip list: %v", err)
	}
	var res []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := regexp.Compile(line); err != nil {
			t.Fatalf("%s:%d: bad regex %q: %v", path, i+1, line, err)
		}
		res = append(res, "(?:"+line+")")
	}
	return strings.Join(res, "|")
}

// critestTally is ginkgo's closing summary.
type critestTally struct {
	ran, total, passed, failed, pending, skipped int
}

var (
	ranRe   = regexp.MustCompile(`Ran (\d+) of (\d+) Specs in`)
	tallyRe = regexp.MustCompile(`(\d+) Passed \| (\d+) Failed \| (\d+) Pending \| (\d+) Skipped`)
)

// parseTally finds "Ran N of M Specs" and "X Passed | Y Failed | Z Pending |
// W Skipped" in ginkgo's output (the last of each).
func parseTally(out string) (critestTally, bool) {
	var tl critestTally
	ran := ranRe.FindAllStringSubmatch(out, -1)
	tal := tallyRe.FindAllStringSubmatch(out, -1)
	if len(ran) == 0 || len(tal) == 0 {
		return tl, false
	}
	r, c := ran[len(ran)-1], tal[len(tal)-1]
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	tl.ran, tl.total = atoi(r[1]), atoi(r[2])
	tl.passed, tl.failed, tl.pending, tl.skipped = atoi(c[1]), atoi(c[2]), atoi(c[3]), atoi(c[4])
	return tl, true
}

// specReport is the part of ginkgo's JSON SpecReport this test reads.
type specReport struct {
	ContainerHierarchyTexts []string
	LeafNodeType            string
	LeafNodeText            string
	State                   string
	RunTime                 int64 // nanoseconds
	Failure                 struct {
		Message  string
		Location struct {
			FileName   string
			LineNumber int
		}
	}
}

func (s specReport) name() string {
	parts := append(append([]string{}, s.ContainerHierarchyTexts...), s.LeafNodeText)
	if s.LeafNodeType != "" && s.LeafNodeType != "It" {
		parts = append(parts, "["+s.LeafNodeType+"]")
	}
	return strings.Join(parts, " ")
}

// failed reports whether the spec (or suite node) did not pass or skip.
func (s specReport) failed() bool {
	switch s.State {
	case "passed", "skipped", "pending", "":
		return false
	}
	return true
}

// readReport reads the specs of a ginkgo --json-report file.
func readReport(path string) ([]specReport, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var reports []struct{ SpecReports []specReport }
	if err := json.Unmarshal(data, &reports); err != nil {
		return nil, err
	}
	var out []specReport
	for _, r := range reports {
		out = append(out, r.SpecReports...)
	}
	return out, nil
}

// firstLines returns the first n non-blank lines of s, indented for the log.
func firstLines(s string, n int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, strings.TrimRight(l, " "))
		if len(out) == n {
			break
		}
	}
	return strings.Join(out, "\n    ")
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func TestCritestParsers(t *testing.T) {
	out := "Ran 99 of 122 Specs in 612.3 seconds\nFAIL! -- 90 Passed | 9 Failed | 0 Pending | 23 Skipped\n"
	tl, ok := parseTally(out)
	if !ok || tl != (critestTally{ran: 99, total: 122, passed: 90, failed: 9, skipped: 23}) {
		t.Fatalf("parseTally = %+v, %v", tl, ok)
	}
	if _, ok := parseTally("no summary"); ok {
		t.Fatal("parseTally found a tally in nothing")
	}
	s := specReport{ContainerHierarchyTexts: []string{"[k8s.io] Image Manager"}, LeafNodeType: "It",
		LeafNodeText: "public image should timeout if requested [Conformance]", State: "failed"}
	if s.name() != "[k8s.io] Image Manager public image should timeout if requested [Conformance]" || !s.failed() {
		t.Fatalf("name %q failed %v", s.name(), s.failed())
	}
	if firstLines("\na\n\nb\nc\n", 2) != "a\n    b" {
		t.Fatalf("firstLines = %q", firstLines("\na\n\nb\nc\n", 2))
	}
}
