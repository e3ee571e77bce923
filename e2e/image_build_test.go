package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDockerfileImage builds the project's Dockerfile with the local
// Docker Engine (no base image to pull) and runs `dockercri --version` in it.
func TestDockerfileImage(t *testing.T) {
	skipUnlessE2E(t)
	if _, err := exec.LookPath("go"); err != nil {
		// The cgroup v2 guest runs the compiled suite without Go or the
		// source tree; TestImageDeployment builds the image there from
		// the binary under test.
		t.Skip("builds dockercri from source: needs a Go toolchain")
	}
	repo, err := filepath.Abs("..")
	require.NoError(t, err)
	ctxDir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(ctxDir, "bin"), 0o755))
	build := exec.Command("go", "build", "-o", filepath.Join(ctxDir, "bin", "dockercri"), "./cmd/dockercri")
	build.Dir = repo
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, f := range []string{"Dockerfile", ".dockerignore"} {
		b, err := os.ReadFile(filepath.Join(repo, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(ctxDir, f), b, 0o644))
	}
	tag := "localhost/dockercri-e2e/dockercri:" + runID
	out, err = exec.Command("docker", "build", "-q", "-t", tag, ctxDir).CombinedOutput()
	require.NoError(t, err, "docker build: %s", out)
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
	out, err = exec.Command("docker", "run", "--rm", tag, "--version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.True(t, strings.HasPrefix(string(out), "dockercri "), "%q", out)
}
