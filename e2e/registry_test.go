package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// testRegistry is an in-memory registry on 127.0.0.1 (dockerd treats
// 127.0.0.0/8 as insecure, so it pulls over plain HTTP).
type testRegistry struct {
	host       string // 127.0.0.1:PORT
	user, pass string // empty: no auth
}

type registryConfig struct{ user, pass string }

type registryOpt func(*registryConfig)

// withBasicAuth makes the registry demand HTTP basic auth.
func withBasicAuth(user, pass string) registryOpt {
	return func(c *registryConfig) { c.user, c.pass = user, pass }
}

// startRegistry serves a registry on 127.0.0.1:0 until the test ends.
func startRegistry(t testing.TB, opts ...registryOpt) *testRegistry {
	t.Helper()
	var cfg registryConfig
	for _, o := range opts {
		o(&cfg)
	}
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if cfg.user != "" {
		h = basicAuth(h, cfg.user, cfg.pass)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testRegistry{host: strings.TrimPrefix(srv.URL, "http://"), user: cfg.user, pass: cfg.pass}
}

// basicAuth answers 401 with a Basic challenge (what Docker expects) unless
// the request carries the right credentials.
func basicAuth(next http.Handler, user, pass string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(user)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(pass)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="dockercri-e2e"`)
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ref returns the full reference of repo (e.g. "e2e/app:v1") in this registry.
func (r *testRegistry) ref(repo string) string {
	return r.host + "/" + repo
}

// pushTestImage builds a busybox image in Go, pushes it as repoTag (e.g.
// "e2e/app:v1") and returns its manifest digest ("sha256:..."). Every push
// gets a distinct image (a random marker file), so image ids never collide.
func pushTestImage(t testing.TB, reg *testRegistry, repoTag string) string {
	t.Helper()
	bb, err := readStaticBusybox()
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	layerTar, err := rootfsTar(bb, map[string]string{
		"etc/e2e-image": repoTag + " " + hex.EncodeToString(nonce) + "\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		Architecture: runtime.GOARCH,
		OS:           "linux",
		RootFS:       v1.RootFS{Type: "layers"},
		Config: v1.Config{
			Cmd: []string{"sh"},
			Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if img, err = mutate.AppendLayers(img, layer); err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(reg.ref(repoTag), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	opts := []remote.Option{remote.WithContext(testCtx(t))}
	if reg.user != "" {
		opts = append(opts, remote.WithAuth(&authn.Basic{Username: reg.user, Password: reg.pass}))
	}
	if err := remote.Write(ref, img, opts...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return digest.String()
}
