package shim

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/internal/errdefs"
)

// Docker 20.10 answers a force remove that raced the container's own exit
// with an unclassified error; the remove succeeds once Docker says the
// container is no longer running, and only then.
func TestRemoveContainerRacingExit(t *testing.T) {
	lostRace := errors.New("Error response from daemon: Could not kill running container, cannot remove - Container is not running")
	inProgress := errdefs.Wrap(errdefs.ErrAlreadyExists, errors.New("Error response from daemon: removal of container is already in progress"))
	down := errdefs.Wrap(errdefs.ErrUnavailable, errors.New("dockerd went away"))
	tests := []struct {
		name        string
		failures    []error
		exited      bool // the container exited meanwhile
		wantCode    codes.Code
		wantRemoves int
		wantGone    bool
	}{
		{name: "exited during the remove", failures: []error{lostRace}, exited: true, wantCode: codes.OK, wantRemoves: 2, wantGone: true},
		{name: "a concurrent remove is in progress", failures: []error{inProgress}, exited: true, wantCode: codes.OK, wantRemoves: 2, wantGone: true},
		{name: "lost twice", failures: []error{lostRace, lostRace}, exited: true, wantCode: codes.OK, wantRemoves: 3, wantGone: true},
		{name: "keeps failing", failures: []error{lostRace, lostRace, lostRace}, exited: true, wantCode: codes.Unknown, wantRemoves: removeAttempts},
		{name: "still running keeps Docker's error", failures: []error{lostRace}, wantCode: codes.Unknown, wantRemoves: 1},
		{name: "docker unreachable is not retried", failures: []error{down}, exited: true, wantCode: codes.Unavailable, wantRemoves: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			ctx := context.Background()
			sbCfg := env.sandboxConfig()
			sb := env.runSandbox(t, sbCfg)
			id := env.createContainer(t, sb, sbCfg, containerConfig())
			_, err := env.svc.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: id})
			require.NoError(t, err)
			if tt.exited {
				require.NoError(t, env.engine.SetExited(id, 0, false))
			}
			before := env.engine.Calls("RemoveContainer")
			for _, f := range tt.failures {
				env.engine.FailNext("RemoveContainer", f)
			}

			_, err = env.svc.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: id})
			assert.Equal(t, tt.wantCode, codeOf(err), "error: %v", err)
			assert.Equal(t, tt.wantRemoves, env.engine.Calls("RemoveContainer")-before)
			_, err = env.engine.InspectContainer(ctx, id)
			assert.Equal(t, tt.wantGone, docker.IsNotFound(err))
		})
	}
}
