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

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
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
	cancelled   chan struct{} // closed once the client is gone (context done or write failed)
	cancelledAt time.Time     // valid once cancelled is closed
}

// stallingRegistry is a registry on 127.0.0.1 whose GETs of the layer blobs
// of one pushed image send the real headers and the first few bytes, then
// stall (see stall) until the client goes away.
//
// Only layers stall, not the image config: dockerd (20.10 at least) fetches
// the config blob with a request that ignores cancellation (it ends only
// when the body does), while a layer download notices it (see stall) — and
// a slow layer is the stall kubelet's progress deadline exists for.
type stallingRegistry struct {
	*testRegistry
	release chan struct{} // closed at test end so the server can shut down

	mu      sync.Mutex
	layers  map[string]bool // blob paths to stall
	stalled []*stalledRequest
	started chan struct{} // closed when the first stall begins
}

func startStallingRegistry(t *testing.T) *stallingRegistry {
	t.Helper()
	r := &stallingRegistry{release: make(chan struct{}), started: make(chan struct{}), layers: map[string]bool{}}
	inner := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		stall := req.Method == http.MethodGet && r.layers[req.URL.Path]
		r.mu.Unlock()
		if stall {
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

// pushStalledImage pushes a test image as stallRepo:v1, makes its layer
// blobs stall and returns its reference.
func (r *stallingRegistry) pushStalledImage(t *testing.T) string {
	t.Helper()
	pushTestImage(t, r.testRegistry, stallRepo+":v1")
	ref, err := name.ParseReference(r.ref(stallRepo+":v1"), name.Insecure)
	require.NoError(t, err)
	img, err := remote.Image(ref, remote.WithContext(testCtx(t)))
	require.NoError(t, err)
	m, err := img.Manifest()
	require.NoError(t, err)
	require.NotEmpty(t, m.Layers)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range m.Layers {
		r.layers["/v2/"+stallRepo+"/blobs/"+l.Digest.String()] = true
	}
	return ref.String()
}

// stall answers the blob's real status and headers and 16 bytes of it, then
// holds the request until its client goes away, dribbling one more byte every
// 250ms: far below what makes dockerd report progress (1% of the layer), but
// enough to notice a client that gave up. dockerd 20.10 copies a layer body
// in a goroutine that cancellation does not interrupt: it drops the
// connection at the next byte after the download was cancelled, and never
// on a connection that stays silent.
func (r *stallingRegistry) stall(w http.ResponseWriter, req *http.Request, inner http.Handler) {
	rec := httptest.NewRecorder()
	inner.ServeHTTP(rec, req)
	if rec.Code/100 != 2 {
		copyRecorded(w, rec, rec.Body.Len())
		return
	}
	const head = 16
	copyRecorded(w, rec, head)
	w.(http.Flusher).Flush()

	s := &stalledRequest{path: req.URL.Path, started: time.Now(), cancelled: make(chan struct{})}
	r.mu.Lock()
	r.stalled = append(r.stalled, s)
	if len(r.stalled) == 1 {
		close(r.started)
	}
	r.mu.Unlock()
	markCancelled := func() {
		r.mu.Lock()
		s.cancelledAt = time.Now()
		r.mu.Unlock()
		close(s.cancelled)
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(3 * time.Minute)
	body := rec.Body.Bytes()
	for sent := head; ; {
		select {
		case <-req.Context().Done():
			markCancelled()
			return
		case <-r.release:
			return
		case <-giveUp:
			return
		case <-tick.C:
			if sent >= len(body)-1 {
				continue // never complete the blob
			}
			if _, err := w.Write(body[sent : sent+1]); err != nil {
				markCancelled() // the client closed the connection
				return
			}
			w.(http.Flusher).Flush()
			sent++
		}
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
			t.Fatalf("stalled GET %s (since %s) was not cancelled within %s: the cancellation did not reach dockerd's download (%d stalled GETs in all)",
				s.path, s.started.Format(time.RFC3339Nano), timeout, len(reqs))
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

// assertImageAbsent checks that neither CRI nor dockerd lists ref or
// anything else of the stalled repository.
func (r *stallingRegistry) assertImageAbsent(t *testing.T, d *daemon, ref string) {
	t.Helper()
	ctx := testCtx(t)
	resp, err := d.images.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: ref}, false)
	if assert.NoError(t, err, "ImageStatus(%s)", ref) {
		assert.Nil(t, resp.GetImage(), "ImageStatus(%s) reports an image after the failed pull", ref)
	}
	repo := r.ref(stallRepo)
	images, err := d.images.ListImages(ctx, nil)
	require.NoError(t, err)
	for _, img := range images {
		for _, n := range append(img.GetRepoTags(), img.GetRepoDigests()...) {
			assert.False(t, strings.HasPrefix(n, repo), "ListImages lists %s (%s) after the failed pull", n, img.GetId())
		}
	}
	_, err = d.docker.ImageInspect(ctx, ref)
	assert.Error(t, err, "dockerd holds %s after the failed pull", ref)
}

func TestPullProgressDeadline(t *testing.T) {
	skipUnlessE2E(t)
	reg := startStallingRegistry(t)
	ref := reg.pushStalledImage(t)
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
	reg.assertImageAbsent(t, d, ref)
}

func TestPullCancellation(t *testing.T) {
	skipUnlessE2E(t)
	reg := startStallingRegistry(t)
	ref := reg.pushStalledImage(t)
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
	assert.False(t, last.Before(cancelled), "the blob GET ended before the client cancelled: something else ended it")
	reg.assertImageAbsent(t, d, ref)
}

func TestPullMalformedReference(t *testing.T) {
	d := startDaemon(t)
	_, err := d.images.PullImage(testCtx(t), &runtimeapi.ImageSpec{Image: "UPPER/Case::bad"}, nil, nil)
	require.Error(t, err)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "err: %v", err)
}
