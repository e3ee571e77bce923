package docker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/docker/docker/pkg/jsonmessage"
)

// Progress is one line of a pull or import progress stream.
type Progress struct {
	ID      string
	Status  string
	Current int64
	Total   int64
}

// drainJSONMessages reads Docker's JSON progress stream to its end, calling
// onProgress for each message, and returns the error the stream reported.
func drainJSONMessages(r io.Reader, onProgress func(Progress)) error {
	dec := json.NewDecoder(r)
	for {
		var msg jsonmessage.JSONMessage
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading progress stream: %w", err)
		}
		if msg.Error != nil {
			return fmt.Errorf("%s", msg.Error.Message)
		}
		if onProgress != nil {
			p := Progress{ID: msg.ID, Status: msg.Status}
			if msg.Progress != nil {
				p.Current, p.Total = msg.Progress.Current, msg.Progress.Total
			}
			onProgress(p)
		}
	}
}

// DrainPull reads a pull's progress stream to its end (see PullImage).
func DrainPull(r io.Reader, onProgress func(Progress)) error {
	return drainJSONMessages(r, onProgress)
}
