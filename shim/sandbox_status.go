package shim

import (
	"context"
	"encoding/json"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/translate"
)

// PodSandboxStatus reports a sandbox's state, metadata, IPs and namespaces;
// with verbose, also the container statuses and Docker's view of it.
func (s *Service) PodSandboxStatus(ctx context.Context, req *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	if err := requireID("pod sandbox", req.PodSandboxId); err != nil {
		return nil, err
	}
	in, err := s.inspectSandbox(ctx, req.PodSandboxId)
	if err != nil {
		return nil, err
	}
	st, err := translate.SandboxStatus(in, translate.BridgeIPs(in))
	if err != nil {
		return nil, err
	}
	if cp, err := s.checkpoints.read(in.ID); err == nil && cp.Dockercri != nil && cp.Dockercri.PidNS != "" {
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
	resp := &runtimeapi.PodSandboxStatusResponse{Status: st, Timestamp: time.Now().UnixNano()}
	if req.Verbose {
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

func namespaceMode(name string) runtimeapi.NamespaceMode {
	return runtimeapi.NamespaceMode(runtimeapi.NamespaceMode_value[name])
}
