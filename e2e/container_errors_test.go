package e2e

import (
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestContainerUnknownIDs(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	_, err := d.runtime.ContainerStatus(ctx, unknownID, false)
	assert.Equal(t, codes.NotFound, status.Code(err), "ContainerStatus: %v", err)
	err = d.runtime.StartContainer(ctx, unknownID)
	assert.Equal(t, codes.NotFound, status.Code(err), "StartContainer: %v", err)
	assert.NoError(t, d.runtime.StopContainer(ctx, unknownID, 0), "StopContainer of unknown id")
	assert.NoError(t, d.runtime.RemoveContainer(ctx, unknownID), "RemoveContainer of unknown id")

	_, sbCfg := runSandbox(t, d)
	cfg := newContainerConfig(sbCfg)
	_, err = d.runtime.CreateContainer(ctx, unknownID, cfg, sbCfg)
	assert.Equal(t, codes.NotFound, status.Code(err), "CreateContainer in unknown sandbox: %v", err)
}

func TestCreateContainerWithAbsentImageFailsCleanly(t *testing.T) {
	d := startDaemon(t)
	ctx := testCtx(t)
	sb, sbCfg := runSandbox(t, d)
	cfg := newContainerConfig(sbCfg)
	cfg.Image.Image = "localhost/dockercri-e2e/absent:nope"
	_, err := d.runtime.CreateContainer(ctx, sb, cfg, sbCfg)
	require.Error(t, err)
	t.Logf("CreateContainer with an absent image: %v", err)

	list, err := d.docker.ContainerList(ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("name", "k8s_"+cfg.GetMetadata().GetName()+"_"))})
	require.NoError(t, err)
	assert.Empty(t, list, "a failed CreateContainer must leave no docker container")
}
