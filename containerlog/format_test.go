package containerlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMessageAndCRILine(t *testing.T) {
	cases := []struct {
		name, stream, in, want string
		wantErr                bool
	}{
		{"full line", "stdout", "2026-11-23T16:35:40.786564776Z hello\n", "2026-11-23T16:35:40.786564776Z stdout F hello\n", false},
		{"partial", "stderr", "2026-11-23T16:35:40.7865Z part", "2026-11-23T16:35:40.7865Z stderr P part\n", false},
		{"tty carriage return", "stdout", "2026-11-23T16:35:40Z prompt\r\n", "2026-11-23T16:35:40Z stdout F prompt\n", false},
		{"empty line", "stdout", "2026-11-23T16:35:40Z \n", "2026-11-23T16:35:40Z stdout F \n", false},
		{"spaces kept", "stdout", "2026-11-23T16:35:40Z  a  b \n", "2026-11-23T16:35:40Z stdout F  a  b \n", false},
		{"no timestamp", "stdout", "hello\n", "", true},
		{"bad timestamp", "stdout", "yesterday hello\n", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := parseMessage(c.stream, []byte(c.in))
			if c.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, string(m.criLine()))
			ts, ok := parseCRILine(m.criLine())
			require.True(t, ok)
			assert.True(t, ts.Equal(m.ts))
		})
	}
}

func line(ts time.Time, text string) []byte {
	return []byte(ts.Format(time.RFC3339Nano) + " stdout F " + text + "\n")
}

func TestResumeSkipsOnlyWhatWasWritten(t *testing.T) {
	base := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	written := [][]byte{
		line(base, "old"),
		line(base.Add(1500*time.Millisecond), "a"),
		line(base.Add(2*time.Second), "b"),
		line(base.Add(2*time.Second), "b"), // the same line twice
	}
	r := resumeFromLines(written)
	assert.True(t, r.last.Equal(base.Add(2*time.Second)))
	assert.True(t, r.since().Equal(base.Add(time.Second)), "resume overlaps by one second")

	// Docker replays from since: a, b, b, a line it never wrote at a's
	// time (out of order), then new ones.
	replay := []struct {
		l    []byte
		ts   time.Time
		skip bool
	}{
		{line(base.Add(1500*time.Millisecond), "a"), base.Add(1500 * time.Millisecond), true},
		{line(base.Add(2*time.Second), "b"), base.Add(2 * time.Second), true},
		{line(base.Add(2*time.Second), "b"), base.Add(2 * time.Second), true},
		{line(base.Add(1600*time.Millisecond), "late"), base.Add(1600 * time.Millisecond), false},
		{line(base.Add(2*time.Second), "b"), base.Add(2 * time.Second), false}, // a third b is new
		{line(base.Add(3*time.Second), "c"), base.Add(3 * time.Second), false},
	}
	for i, rp := range replay {
		assert.Equal(t, rp.skip, r.seen(rp.l, rp.ts), "replayed line %d %q", i, rp.l)
	}
}

func TestEmptyResumeStartsFromTheBeginning(t *testing.T) {
	r := resumeFromLines(nil)
	assert.True(t, r.since().IsZero())
	assert.False(t, r.seen(line(time.Now(), "x"), time.Now()))
}

func TestReadTailDropsTornLines(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "0.log")
	lines, err := readTail(p)
	require.NoError(t, err)
	assert.Empty(t, lines, "missing file")

	require.NoError(t, os.WriteFile(p, []byte("l1\nl2\ntorn"), 0o600))
	lines, err = readTail(p)
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("l1\n"), []byte("l2\n")}, lines)

	big := strings.Repeat("x", tailBytes) + "\nlast\n"
	require.NoError(t, os.WriteFile(p, []byte("first\n"+big), 0o600))
	lines, err = readTail(p)
	require.NoError(t, err)
	require.NotEmpty(t, lines)
	assert.Equal(t, "last\n", string(lines[len(lines)-1]))
	assert.NotEqual(t, "first\n", string(lines[0]), "only the tail is read")
}

func TestStateRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state.json")
	r, err := loadState(p)
	require.NoError(t, err)
	assert.Nil(t, r, "no state yet")

	ts := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	require.NoError(t, saveState(p, [][]byte{line(ts, "x")}))
	r, err = loadState(p)
	require.NoError(t, err)
	require.NotNil(t, r)
	assert.True(t, r.last.Equal(ts))
	assert.True(t, r.seen(line(ts, "x"), ts))

	require.NoError(t, os.WriteFile(p, []byte(`{"version":99}`), 0o600))
	_, err = loadState(p)
	assert.Error(t, err, "unknown version is refused")
}

// Docker stamps every part of a long line with the same time: identical
// lines within one stream are all written, and after a restart exactly as
// many as were written are skipped.
func TestIdenticalPartsAreCounted(t *testing.T) {
	ts := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	part := []byte(ts.Format(time.RFC3339Nano) + " stdout P xxxx\n")
	r := &resumePoint{}
	for i := range 3 {
		require.False(t, r.seen(part, ts), "part %d of a live stream is new", i)
		r.record(part, ts)
	}
	r.restart()
	for i := range 3 {
		assert.True(t, r.seen(part, ts), "replayed part %d was written", i)
	}
	assert.False(t, r.seen(part, ts), "a fourth part is new")
}

// FuzzParseMessage: any Docker log message either parses or errors, and
// a parsed one renders to one CRI line that reads back its timestamp.
func FuzzParseMessage(f *testing.F) {
	f.Add("stdout", []byte("2026-11-23T16:35:40.786564776Z hello\n"))
	f.Add("stderr", []byte("2026-11-23T16:35:40Z part"))
	f.Add("stdout", []byte("garbage"))
	f.Fuzz(func(t *testing.T, stream string, in []byte) {
		m, err := parseMessage(stream, in)
		if err != nil {
			return
		}
		line := m.criLine()
		if n := strings.Count(string(line), "\n"); n < 1 || line[len(line)-1] != '\n' {
			t.Fatalf("CRI line must end in exactly its own newline: %q", line)
		}
		if _, ok := parseCRILine(line); !ok {
			t.Fatalf("rendered line does not parse back: %q", line)
		}
	})
}
