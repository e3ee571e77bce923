package shim

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const pingTimeout = 2 * time.Second

// Status reports RuntimeReady from a live ping of dockerd and NetworkReady
// for the network mode in use, plus the runtime handlers Docker offers.
func (s *Service) Status(ctx context.Context, req *runtimeapi.StatusRequest) (*runtimeapi.StatusResponse, error) {
	pingCtx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	runtimeCond := &runtimeapi.RuntimeCondition{Type: runtimeapi.RuntimeReady, Status: true}
	if err := s.engine.Ping(pingCtx); err != nil {
		runtimeCond.Status = false
		runtimeCond.Reason = "DockerDaemonNotReady"
		runtimeCond.Message = err.Error()
	} else if len(s.runtimeNames()) == 0 {
		// dockerd came back (or up) after dockercri: learn its facts now.
		if err := s.refreshEngineFacts(ctx); err != nil {
			log(ctx).WithError(err).Debug("refreshing docker info")
		}
	}
	networkCond := &runtimeapi.RuntimeCondition{Type: runtimeapi.NetworkReady, Status: runtimeCond.Status}
	switch {
	case !runtimeCond.Status:
		networkCond.Reason = "DockerDaemonNotReady"
		networkCond.Message = "docker network is unknown while dockerd is unreachable"
	case s.net != nil:
		if err := s.net.Ready(); err != nil {
			networkCond.Status = false
			networkCond.Reason = "NetworkPluginNotReady"
			networkCond.Message = "cni config uninitialized: " + err.Error()
		}
	}
	resp := &runtimeapi.StatusResponse{
		Status:          &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{runtimeCond, networkCond}},
		RuntimeHandlers: s.runtimeHandlers(),
		Features:        &runtimeapi.RuntimeFeatures{SupplementalGroupsPolicy: false},
	}
	if req.GetVerbose() {
		info, _ := json.Marshal(map[string]any{
			"sandboxImage": s.cfg.SandboxImage,
			"networkMode":  s.cfg.NetworkMode,
			"rootDir":      s.cfg.RootDir,
			"cgroupDriver": s.hostLimits().CgroupDriver,
			"podCIDR":      s.currentPodCIDR(),
		})
		resp.Info = map[string]string{"config": string(info)}
	}
	return resp, nil
}

func (s *Service) runtimeNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := append([]string(nil), s.runtimes...)
	sort.Strings(names)
	return names
}

// runtimeHandlers lists the default handler ("") and every Docker runtime,
// each with recursive read-only mounts where its runtime supports them
// (translate.EngineFeatures decides). User namespaces per pod are not
// offered: Docker Engine has no per-container user namespace.
func (s *Service) runtimeHandlers() []*runtimeapi.RuntimeHandler {
	eng := s.hostLimits().Engine
	features := func(runtime string) *runtimeapi.RuntimeHandlerFeatures {
		return &runtimeapi.RuntimeHandlerFeatures{RecursiveReadOnlyMounts: eng.RuntimeRecursiveReadOnly(runtime), UserNamespaces: false}
	}
	out := []*runtimeapi.RuntimeHandler{{Name: "", Features: features("")}}
	for _, n := range s.runtimeNames() {
		out = append(out, &runtimeapi.RuntimeHandler{Name: n, Features: features(n)})
	}
	return out
}

func (s *Service) currentPodCIDR() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.podCIDR
}
