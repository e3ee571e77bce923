package streaming

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker/dockertest"
)

// TestMain fails the package when a session goroutine outlives its test:
// a finished session and a server shut down leave nothing running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newTestServer serves the streaming protocols on a fake engine whose
// exec'd commands run process; it is shut down when the test ends.
func newTestServer(t *testing.T, process dockertest.ProcessFunc) (*Server, string) {
	t.Helper()
	engine := dockertest.New(dockertest.WithImage(image.InspectResponse{RepoTags: []string{"busybox:latest"}}), dockertest.WithExec(process))
	ctx := context.Background()
	id, _, err := engine.CreateContainer(ctx, "c1", &container.Config{Image: "busybox:latest"}, &container.HostConfig{}, nil)
	require.NoError(t, err)
	require.NoError(t, engine.StartContainer(ctx, id))
	srv, err := NewServer("127.0.0.1:0", NewRuntime(engine))
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx))
		assert.NoError(t, <-served)
	})
	return srv, id
}

// TestExecOverSPDY runs a command through the URL GetExec hands out, as
// kubelet's client does, and gets its output and exit code.
func TestExecOverSPDY(t *testing.T) {
	srv, id := newTestServer(t, func(cmd []string, stdin io.Reader, stdout, stderr io.Writer) int {
		io.WriteString(stdout, "out:"+strings.Join(cmd, " "))
		io.WriteString(stderr, "err")
		return 3
	})
	resp, err := srv.GetExec(&runtimeapi.ExecRequest{ContainerId: id, Cmd: []string{"echo", "hi"}, Stdout: true, Stderr: true})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(resp.Url, "http://127.0.0.1:"), "fully qualified URL: %s", resp.Url)
	u, err := url.Parse(resp.Url)
	require.NoError(t, err)
	exec, err := remotecommand.NewSPDYExecutor(&rest.Config{Host: "http://" + u.Host}, "POST", u)
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr})
	require.Error(t, err, "a non-zero exit is reported as an error")
	assert.Contains(t, err.Error(), "exit code 3")
	assert.Equal(t, "out:echo hi", stdout.String())
	assert.Equal(t, "err", stderr.String())
}
