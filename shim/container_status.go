package shim

import (
	"context"
	"encoding/json"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/translate"
)

// logCatchUp bounds how long ContainerStatus of an exited container waits
// for its CRI log to be complete.
const logCatchUp = 2 * time.Second

// ContainerStatus reports a container's state, times, exit, image, mounts,
// labels, annotations, log path and resources.
func (s *Service) ContainerStatus(ctx context.Context, req *runtimeapi.ContainerStatusRequest) (*runtimeapi.ContainerStatusResponse, error) {
	if err := requireID("container", req.ContainerId); err != nil {
		return nil, err
	}
	st, in, err := s.containerStatus(ctx, req.ContainerId)
	if err != nil {
		return nil, err
	}
	if st.State == runtimeapi.ContainerState_CONTAINER_EXITED && s.logs != nil {
		// Whoever sees the container exited may read its log next: let the
		// follower write what Docker still has (it ends right after the exit).
		wctx, cancel := context.WithTimeout(ctx, logCatchUp)
		_ = s.logs.Wait(wctx, in.ID)
		cancel()
	}
	resp := &runtimeapi.ContainerStatusResponse{Status: st}
	if req.Verbose {
		info, _ := json.Marshal(map[string]any{
			"pid":         in.State.Pid,
			"sandboxID":   in.Config.Labels[translate.LabelSandboxID],
			"dockerLog":   in.LogPath,
			"networkMode": in.HostConfig.NetworkMode,
			"runtime":     in.HostConfig.Runtime,
		})
		resp.Info = map[string]string{"info": string(info)}
	}
	return resp, nil
}

// containerStatus is a container's CRI status, from the store's inspect
// data when it is current. Unlike ContainerStatus it never waits for the
// container's log.
func (s *Service) containerStatus(ctx context.Context, id string) (*runtimeapi.ContainerStatus, *dockerContainer, error) {
	in, err := s.inspectContainer(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	img := translate.ImageInfo{ID: in.Image}
	cached, ok := s.image(ctx, in.Image)
	if ok {
		img = cached.info
	}
	in.Config.Labels = translate.WithoutInherited(in.Config.Labels, cached.labels)
	if in.State != nil && !in.State.Running && !in.State.OOMKilled {
		// Docker can miss an OOM kill on cgroup v2 (watchOOMKills). A
		// count read from the parent cgroup could be a sibling's: it
		// counts only for a process that ended by SIGKILL, as an
		// OOM-killed one does.
		if st, ok := s.containers.Stats(in.ID); ok && st.OOMKills > 0 &&
			(!st.OOMKillsFromParent || in.State.ExitCode == 128+9) {
			in.State.OOMKilled = true
		}
	}
	st, err := translate.ContainerStatus(in, img)
	if err != nil {
		return nil, nil, err
	}
	return st, in, nil
}
