package shim

import (
	"context"
	"encoding/json"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/docker"
	"github.com/dockercri/dockercri/store"
	"github.com/dockercri/dockercri/translate"
)

// PodSandboxStatus reports a sandbox's state, metadata, IPs and namespaces;
// with verbose, also the container statuses and Docker's view of it.
func (s *Service) PodSandboxStatus(ctx context.Context, req *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	if err := requireID("pod sandbox", req.PodSandboxId); err != nil {
		return nil, err
	}
	st, in, err := s.sandboxStatus(ctx, req.PodSandboxId)
	if err != nil {
		return nil, err
	}
	resp := &runtimeapi.PodSandboxStatusResponse{Status: st, Timestamp: time.Now().UnixNano()}
	if req.Verbose && in != nil {
		info, _ := json.Marshal(map[string]any{
			"pid":          in.State.Pid,
			"image":        in.Config.Image,
			"networkMode":  in.HostConfig.NetworkMode,
			"cgroupParent": in.HostConfig.CgroupParent,
			"runtime":      in.HostConfig.Runtime,
		})
		resp.Info = map[string]string{"info": string(info)}
	}
	return resp, nil
}

// sandboxStatus is a sandbox's CRI status; in is nil when it comes from
// the checkpoint alone (the container vanished behind dockercri's back:
// kubelet needs the pod NOTREADY to clean up).
func (s *Service) sandboxStatus(ctx context.Context, id string) (st *runtimeapi.PodSandboxStatus, in *dockerContainer, err error) {
	in, err = s.inspectSandbox(ctx, id)
	if docker.IsNotFound(err) && store.CheckpointID.MatchString(id) {
		if cp, cerr := s.checkpoints.Read(id); cerr == nil {
			return statusFromCheckpoint(id, cp), nil, nil
		}
	}
	if err != nil {
		return nil, nil, err
	}
	cp, _ := s.checkpoints.Read(in.ID)
	ips := translate.BridgeIPs(in)
	if cp != nil && cp.Dockercri != nil && len(cp.Dockercri.IPs) > 0 {
		ips = cp.Dockercri.IPs // from the CNI result
	}
	st, err = translate.SandboxStatus(in, ips)
	if err != nil {
		return nil, nil, err
	}
	if cp != nil && cp.Dockercri != nil && cp.Dockercri.PidNS != "" {
		st.Linux.Namespaces.Options = &runtimeapi.NamespaceOption{
			Network: namespaceMode(cp.Dockercri.NetworkNS),
			Pid:     namespaceMode(cp.Dockercri.PidNS),
			Ipc:     namespaceMode(cp.Dockercri.IpcNS),
		}
	}
	st.RuntimeHandler = in.HostConfig.Runtime
	if st.RuntimeHandler == "runc" {
		st.RuntimeHandler = ""
	}
	return st, in, nil
}

func namespaceMode(name string) runtimeapi.NamespaceMode {
	return runtimeapi.NamespaceMode(runtimeapi.NamespaceMode_value[name])
}

// checkpointMetadata is the sandbox metadata a checkpoint records.
func checkpointMetadata(cp *store.Checkpoint) *runtimeapi.PodSandboxMetadata {
	meta := &runtimeapi.PodSandboxMetadata{Name: cp.Name, Namespace: cp.Namespace}
	if cp.Dockercri != nil {
		meta.Uid, meta.Attempt = cp.Dockercri.UID, cp.Dockercri.Attempt
	}
	return meta
}

// statusFromCheckpoint describes a sandbox whose container is gone.
func statusFromCheckpoint(id string, cp *store.Checkpoint) *runtimeapi.PodSandboxStatus {
	st := &runtimeapi.PodSandboxStatus{
		Id:        id,
		Metadata:  checkpointMetadata(cp),
		State:     runtimeapi.PodSandboxState_SANDBOX_NOTREADY,
		CreatedAt: cp.CreatedAt(),
		Network:   &runtimeapi.PodSandboxNetworkStatus{},
	}
	if x := cp.Dockercri; x != nil && x.PidNS != "" {
		st.Linux = &runtimeapi.LinuxPodSandboxStatus{Namespaces: &runtimeapi.Namespace{Options: &runtimeapi.NamespaceOption{
			Network: namespaceMode(x.NetworkNS), Pid: namespaceMode(x.PidNS), Ipc: namespaceMode(x.IpcNS),
		}}}
	}
	return st
}
