// Package e2e drives the real dockercri binary against the real dockerd over
// the CRI socket. Every test skips unless DOCKERCRI_E2E is set (`make e2e`
// sets it), so `go test ./...` stays a fast unit run.
//
// Environment:
//
//	DOCKERCRI_E2E=1                 enable the suite
//	DOCKERCRI_BIN=/path/dockercri   use this binary instead of building ./cmd/dockercri
//	DOCKERCRI_E2E_BUSYBOX=/path     static busybox to put in test images (default /bin/busybox)
//	DOCKERCRI_E2E_CLEANUP_IMAGES=1  also remove the busybox fixture image at the end
//	DOCKER_HOST                     dockerd to use (default unix:///var/run/docker.sock)
//	DOCKERCRI_E2E_DAEMON_FLAGS      flags added to every dockercri the suite starts
package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/dockercri/dockercri/internal/testimage"
)

const (
	// busyboxImage is imported into dockerd by TestMain (see images_test.go).
	busyboxImage = testimage.Busybox
	// pauseImage is the daemon's built-in default sandbox image.
	pauseImage = "localhost/dockercri/pause:1"
)

var (
	// e2eEnabled is true when DOCKERCRI_E2E is set.
	e2eEnabled = os.Getenv("DOCKERCRI_E2E") != ""
	// daemonBinary is the dockercri binary every test starts.
	daemonBinary string
	// dockerCli talks to the same dockerd as the daemon, to cross-check it.
	dockerCli *client.Client
	// runID makes pod namespaces unique per `go test` run, so leftovers of
	// this run can be found and swept without touching anything else.
	runID = newRunID()
	// testNamespace is the pod namespace of every sandbox this run creates.
	testNamespace = "e2e-" + runID
)

func newRunID() string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if !e2eEnabled {
		return m.Run()
	}
	cleanup, err := setupSuite()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e setup failed: %v\n", err)
		if cleanup != nil {
			cleanup()
		}
		return 1
	}
	code := m.Run()
	sweepLeftovers()
	cleanup()
	return code
}

// setupSuite builds (or locates) the binary, connects to dockerd and makes
// sure the test images exist. The returned cleanup is never nil on success.
func setupSuite() (func(), error) {
	var cleanups []func()
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	if bin := os.Getenv("DOCKERCRI_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			return cleanup, err
		}
		if _, err := os.Stat(abs); err != nil {
			return cleanup, fmt.Errorf("DOCKERCRI_BIN: %w", err)
		}
		daemonBinary = abs
	} else {
		dir, err := os.MkdirTemp("", "dockercri-e2e-bin-")
		if err != nil {
			return cleanup, err
		}
		cleanups = append(cleanups, func() { os.RemoveAll(dir) })
		bin, err := buildBinary(dir)
		if err != nil {
			return cleanup, err
		}
		daemonBinary = bin
	}

	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return cleanup, fmt.Errorf("docker client: %w", err)
	}
	cleanups = append(cleanups, func() { cli.Close() })
	dockerCli = cli
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := cli.Ping(ctx); err != nil {
		return cleanup, fmt.Errorf("dockerd is not reachable (DOCKER_HOST=%q): %w", os.Getenv("DOCKER_HOST"), err)
	}
	if err := ensureBusyboxImage(ctx, cli); err != nil {
		return cleanup, err
	}
	if os.Getenv("DOCKERCRI_E2E_CLEANUP_IMAGES") != "" {
		cleanups = append(cleanups, func() { removeImageQuietly(cli, busyboxImage) })
	}
	return cleanup, nil
}

// buildBinary builds ./cmd/dockercri of this module into dir.
func buildBinary(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("cannot find the module root (go env GOMOD=%q)", gomod)
	}
	bin := filepath.Join(dir, "dockercri")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/dockercri")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/dockercri: %w\n%s", err, out)
	}
	return bin, nil
}

// sweepLeftovers force-removes every container of this run's pod namespace
// that a failed cleanup left behind. Names carry the namespace:
// k8s_<container|POD>_<pod>_<namespace>_<uid>_<attempt>.
func sweepLeftovers() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	list, err := dockerCli.ContainerList(ctx, container.ListOptions{
		All:     true,
		Filters: filters.NewArgs(filters.Arg("name", "_"+testNamespace+"_")),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e sweep: list containers: %v\n", err)
		return
	}
	for _, c := range list {
		fmt.Fprintf(os.Stderr, "e2e sweep: removing leftover container %s %v\n", c.ID[:12], c.Names)
		if err := dockerCli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			fmt.Fprintf(os.Stderr, "e2e sweep: remove %s: %v\n", c.ID[:12], err)
		}
	}
}

// skipUnlessE2E skips t unless the e2e suite is enabled.
func skipUnlessE2E(t testing.TB) {
	t.Helper()
	if !e2eEnabled {
		t.Skip("e2e test: set DOCKERCRI_E2E=1 to run it (needs dockerd; `make e2e` sets it)")
	}
}
