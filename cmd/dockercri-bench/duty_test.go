package main

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCRILines(t *testing.T) {
	tests := []struct {
		name, stream, in, want string
	}{
		{"one line", "stdout", "2024-05-01T10:00:00.000000001Z hello\n", "2024-05-01T10:00:00.000000001Z stdout F hello\n"},
		{"two lines", "stderr", "t1 a\nt2 b c\n", "t1 stderr F a\nt2 stderr F b c\n"},
		{"empty text", "stdout", "t1 \n", "t1 stdout F \n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "0.log")
			f, err := createLogFile(path)
			require.NoError(t, err)
			defer f.Close()
			w := &criLines{f: f, stream: tc.stream, mu: &sync.Mutex{}}
			n, err := w.Write([]byte(tc.in))
			require.NoError(t, err)
			assert.Equal(t, len(tc.in), n)
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}
