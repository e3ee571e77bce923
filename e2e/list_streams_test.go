package e2e

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestListStreams: the CRIListStreaming RPCs return each item of the
// matching List call exactly once and end with EOF.
func TestListStreams(t *testing.T) {
	d := startDaemon(t)
	rs, is := rawClient(t, d.socketPath)
	sb, sbCfg := runSandbox(t, d)
	ctr := runContainer(t, d, sb, sbCfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	pods, err := rs.StreamPodSandboxes(ctx, &runtimeapi.StreamPodSandboxesRequest{Filter: &runtimeapi.PodSandboxFilter{Id: sb}})
	require.NoError(t, err)
	var podIDs []string
	for {
		r, err := pods.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		for _, p := range r.PodSandboxes {
			podIDs = append(podIDs, p.Id)
		}
	}
	assert.Equal(t, []string{sb}, podIDs)

	ctrs, err := rs.StreamContainers(ctx, &runtimeapi.StreamContainersRequest{Filter: &runtimeapi.ContainerFilter{PodSandboxId: sb}})
	require.NoError(t, err)
	var ctrIDs []string
	for {
		r, err := ctrs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		for _, c := range r.Containers {
			ctrIDs = append(ctrIDs, c.Id)
		}
	}
	assert.Equal(t, []string{ctr}, ctrIDs)

	st, err := rs.StreamContainerStats(ctx, &runtimeapi.StreamContainerStatsRequest{Filter: &runtimeapi.ContainerStatsFilter{Id: ctr}})
	require.NoError(t, err)
	r, err := st.Recv()
	require.NoError(t, err)
	require.Len(t, r.ContainerStats, 1)
	assert.Equal(t, ctr, r.ContainerStats[0].GetAttributes().GetId())
	_, err = st.Recv()
	assert.ErrorIs(t, err, io.EOF)

	list, err := is.ListImages(ctx, &runtimeapi.ListImagesRequest{})
	require.NoError(t, err)
	imgs, err := is.StreamImages(ctx, &runtimeapi.StreamImagesRequest{})
	require.NoError(t, err)
	seen := map[string]int{}
	for {
		r, err := imgs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		for _, i := range r.Images {
			seen[i.Id]++
		}
	}
	assert.Len(t, seen, len(list.Images))
	for id, n := range seen {
		assert.Equal(t, 1, n, "image %s streamed %d times", id, n)
	}
}
