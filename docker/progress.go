package docker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/dockercri/dockercri/internal/errdefs"
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
			return streamError(msg.Error)
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

// streamError classifies an error reported inside a progress stream by the
// HTTP status the engine gives it, where it gives one (a registry's answer
// relayed): 401/403 PermissionDenied, 404 NotFound, 429 and 5xx
// Unavailable. Without a status the failure is not classified (Unknown).
func streamError(e *jsonmessage.JSONError) error {
	err := errors.New(e.Message)
	switch {
	case e.Code == http.StatusUnauthorized || e.Code == http.StatusForbidden:
		return errdefs.Wrap(errdefs.ErrPermissionDenied, err)
	case e.Code == http.StatusNotFound:
		return errdefs.Wrap(errdefs.ErrNotFound, err)
	case e.Code == http.StatusTooManyRequests || e.Code >= 500:
		return errdefs.Wrap(errdefs.ErrUnavailable, err)
	}
	return err
}
