package e2e

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// stallRepo is the repository whose blobs the stalling registry never finishes.
const stallRepo = "e2e/stall"

// stalledRequest is one blob GET the stalling registry is holding.
type stalledRequest struct {
	path        string
	started     time.Time
	cancelled   chan struct{} // closed when the request's context is done
	cancelledAt time.Time     // valid once cancelled is closed
}

// stallingRegistry is a registry on 127.0.0.1 whose blob GETs under
// stallRepo send the real headers and the first few bytes, then hang until
// the client goes away (the request context is done).
type stallingRegistry struct {
	*testRegistry
	release chan struct{} // closed at test end so the server can shut down

	mu      sync.Mutex
	stalled []*stalledRequest
	started chan struct{} // closed when the first stall begins
}

func startStallingRegistry(t *testing.T) *stallingRegistry {
	t.Helper()
	r := &stallingRegistry{release: make(chan struct{}), started: make(chan struct{})}
	inner := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodGet && strings.HasPrefix(req.URL.Path, "/v2/"+stallRepo+"/blobs/") {
			r.stall(w, req, inner)
			return
		}
		inner.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)                   // runs second: waits for handlers
	t.Cleanup(func() { close(r.release) }) // runs first: unblocks stalled handlers
	r.testRegistry = &testRegistry{host: strings.TrimPrefix(srv.URL, "http://")}
	return r
}

// stall answers the blob's real status and headers and 16 bytes of it, then
// waits for the request to be cancelled.
func (r *stallingRegistry) stall(w http.ResponseWriter, req *http.Request, inner http.Handler) {
	rec := httptest.NewRecorder()
	inner.ServeHTTP(rec, req)
	if rec.Code/100 != 2 {
		copyRecorded(w, rec, rec.Body.Len())
		return
	}
	copyRecorded(w, rec, 16)
	w.(http.Flusher).Flush()

	s := &stalledRequest{path: req.URL.Path, started: time.Now(), cancelled: make(chan struct{})}
	r.mu.Lock()
	r.stalled = append(r.stalled, s)
	if len(r.stalled) == 1 {
		close(r.started)
	}
	r.mu.Unlock()
	select {
	case <-req.Context().Done():
		r.mu.Lock()
		s.cancelledAt = time.Now()
		r.mu.Unlock()
		close(s.cancelled)
	case <-r.release:
	case <-time.After(3 * time.Minute):
	}
}

// copyRecorded writes rec's headers (with the full Content-Length) and
// status, then at most n body bytes.
func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder, n int) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	body := rec.Body.Bytes()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body[:min(n, len(body))])
}

// waitStalled waits until at least one blob GET is stalled.
func (r *stallingRegistry) waitStalled(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-r.started:
	case <-time.After(timeout):
		t.Fatalf("no blob GET of %s reached the registry within %s", stallRepo, timeout)
	}
}

// requireAllCancelled waits until every stalled request has been cancelled
// by its client and returns when the last one was.
func (r *stallingRegistry) requireAllCancelled(t *testing.T, timeout time.Duration) time.Time {
	t.Helper()
	r.mu.Lock()
	reqs := append([]*stalledRequest(nil), r.stalled...)
	r.mu.Unlock()
	require.NotEmpty(t, reqs, "the registry never saw a blob GET of %s", stallRepo)
	deadline := time.After(timeout)
	for _, s := range reqs {
		select {
		case <-s.cancelled:
		case <-deadline:
			t.Fatalf("stalled GET %s (since %s) was not cancelled within %s: the cancellation did not reach dockerd's download",
				s.path, s.started.Format(time.RFC3339Nano), timeout)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var last time.Time
	for _, s := range reqs {
		if s.cancelledAt.After(last) {
			last = s.cancelledAt
		}
	}
	return last
}

// assertImageAbsent checks that neither CRI nor dockerd lists anything of ref.
func assertImageAbsent(t *testing.T, d *daemon, ref string) {
	t.Helper()
	ctx := testCtx(t)
	resp, err := d.images.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: ref}, false)
	if assert.NoError(t, err, "ImageStatus(%s)", ref) {
		assert.Nil(t, resp.GetImage(), "ImageStatus(%s) reports an image after the failed pull", ref)
	}
	repo := strings.SplitN(ref, ":v", 2)[0] // 127.0.0.1:PORT/e2e/stall
	images, err := d.images.ListImages(ctx, nil)
	require.NoError(t, err)
	for _, img := range images {
		for _, name := range append(img.GetRepoTags(), img.GetRepoDigests()...) {
			assert.False(t, strings.HasPrefix(name, repo), "ListImages lists %s (%s) after the failed pull", name, img.GetId())
		}
	}
	_, err = d.docker.ImageInspect(ctx, ref)
	assert.Error(t, err, "dockerd holds %s after the failed pull", ref)
}

func TestPullProgressDeadline(t *testing.T) {
	skipUnlessE2E(t)
	reg := startStallingRegistry(t)
	pushTestImage(t, reg.testRegistry, stallRepo+":v1")
	ref := reg.ref(stallRepo + ":v1")
	d := startDaemon(t, withFlags("--image-pull-progress-deadline", "3s"))
	cleanupImage(t, d, ref)

	// The client waits longer than the assertion allows, so a daemon that
	// ignores its deadline fails on time, not with the client's own timeout.
	ctx, cancel := context.WithTimeout(testCtx(t), 45*time.Second)
	defer cancel()
	start := time.Now()
	_, err := d.images.PullImage(ctx, &runtimeapi.ImageSpec{Image: ref}, nil, nil)
	returned := time.Now()
	took := returned.Sub(start)
	t.Logf("PullImage returned after %s: %v", took.Round(time.Millisecond), err)
	require.Error(t, err, "a pull whose blobs never finish must fail")
	assert.Less(t, took, 20*time.Second, "the 3s progress deadline must end the pull")
	assert.Equal(t, codes.DeadlineExceeded, status.Code(err), "err: %v", err)

	last := reg.requireAllCancelled(t, 10*time.Second)
	t.Logf("registry saw the last stalled blob GET cancelled %s after PullImage returned",
		last.Sub(returned).Round(time.Millisecond))
	assertImageAbsent(t, d, ref)
}

func TestPullCancellation(t *testing.T) {
	skipUnlessE2E(t)
	reg := startStallingRegistry(t)
	pushTestImage(t, reg.testRegistry, stallRepo+":v1")
	ref := reg.ref(stallRepo + ":v1")
	d := startDaemon(t) // default progress deadline (1m): only the caller can end this pull
	cleanupImage(t, d, ref)

	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	errc := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := d.images.PullImage(ctx, &runtimeapi.ImageSpec{Image: ref}, nil, nil)
		errc <- err
	}()
	// Cancel ~1s into the pull, once dockerd is really downloading.
	reg.waitStalled(t, 30*time.Second)
	if wait := time.Until(start.Add(time.Second)); wait > 0 {
		time.Sleep(wait)
	}
	cancel()
	cancelled := time.Now()

	select {
	case err := <-errc:
		t.Logf("PullImage returned %s after cancel: %v", time.Since(cancelled).Round(time.Millisecond), err)
		assert.Contains(t, []codes.Code{codes.Canceled, codes.DeadlineExceeded}, status.Code(err), "err: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("PullImage did not return within 5s of its context being cancelled")
	}
	last := reg.requireAllCancelled(t, 10*time.Second)
	t.Logf("registry saw the last stalled blob GET cancelled %s after the client cancelled",
		last.Sub(cancelled).Round(time.Millisecond))
	assertImageAbsent(t, d, ref)
}

func TestPullMalformedReference(t *testing.T) {
	d := startDaemon(t)
	_, err := d.images.PullImage(testCtx(t), &runtimeapi.ImageSpec{Image: "UPPER/Case::bad"}, nil, nil)
	require.Error(t, err)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "err: %v", err)
}
