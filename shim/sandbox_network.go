package shim

import (
	"context"
	"errors"
	"fmt"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/internal/failpoint"
	"github.com/dockercri/dockercri/network"
	"github.com/dockercri/dockercri/store"
)

// NetworkPlugin sets pods up on the cluster network (CNI). Without one,
// pods use Docker's bridge network.
type NetworkPlugin interface {
	Ready() error
	SetUp(ctx context.Context, p network.Pod) ([]string, error)
	TearDown(ctx context.Context, p network.Pod) error
	// CachedIPs returns the IPs of a pod's completed ADD (none when it
	// never completed), for start-up recovery.
	CachedIPs(p network.Pod) ([]string, error)
}

// usesCNI reports whether a sandbox of cfg gets its network from CNI.
func (s *Service) usesCNI(cfg *runtimeapi.PodSandboxConfig) bool {
	return s.net != nil && cfg.GetLinux().GetSecurityContext().GetNamespaceOptions().GetNetwork() != runtimeapi.NamespaceMode_NODE
}

// netnsPath is the network namespace of a running sandbox container.
func netnsPath(pid int) string {
	if pid <= 0 {
		return ""
	}
	return fmt.Sprintf("/proc/%d/ns/net", pid)
}

// podNetwork describes a pod to the network plugin.
func (s *Service) podNetwork(id string, cfg *runtimeapi.PodSandboxConfig, pid int) (network.Pod, error) {
	bw, err := network.BandwidthFromAnnotations(cfg.Annotations)
	if err != nil {
		return network.Pod{}, errdefs.InvalidArgument("%w", err)
	}
	p := network.Pod{
		Namespace: cfg.Metadata.Namespace, Name: cfg.Metadata.Name, UID: cfg.Metadata.Uid,
		SandboxID: id, NetNS: netnsPath(pid), Bandwidth: bw,
		Annotations: cfg.Annotations, PodCIDR: s.currentPodCIDR(),
	}
	if d := cfg.DnsConfig; d != nil {
		p.DNS = network.DNS{Servers: d.Servers, Searches: d.Searches, Options: d.Options}
	}
	for _, pm := range cfg.PortMappings {
		p.Ports = append(p.Ports, network.PortMapping{
			HostPort: pm.HostPort, ContainerPort: pm.ContainerPort,
			Protocol: strings.ToLower(pm.Protocol.String()), HostIP: pm.HostIp,
		})
	}
	return p, nil
}

// podFromCheckpoint describes a pod for DEL from what its checkpoint kept.
func podFromCheckpoint(id string, cp *store.Checkpoint, pid int) network.Pod {
	p := network.Pod{Namespace: cp.Namespace, Name: cp.Name, SandboxID: id, NetNS: netnsPath(pid)}
	if cp.Dockercri != nil {
		p.UID = cp.Dockercri.UID
	}
	return p
}

// setUpNetwork runs CNI ADD for a started sandbox and records the result.
// The checkpoint says "set up" before ADD runs, so a crash in between still
// leads to a DEL.
func (s *Service) setUpNetwork(ctx context.Context, id string, cfg *runtimeapi.PodSandboxConfig, pid int) error {
	p, err := s.podNetwork(id, cfg, pid)
	if err != nil {
		return err
	}
	if err := s.checkpoints.Update(id, func(cp *store.Checkpoint) error {
		cp.Dockercri.NetworkSetUp = true
		return nil
	}); err != nil {
		return err
	}
	ips, err := s.net.SetUp(ctx, p)
	if errors.Is(err, network.ErrRollbackFailed) {
		// ADD failed and so did its DEL: keep the mark (and the
		// checkpoint) so that stopping the pod retries the DEL.
		return err
	}
	if err != nil {
		// SetUp rolled its ADD back with DEL.
		_ = s.checkpoints.Update(id, func(cp *store.Checkpoint) error {
			cp.Dockercri.NetworkSetUp = false
			return nil
		})
		return err
	}
	failpoint.Hit("cni-after-add") // e2e: a crash before the result is recorded
	return s.recordIPs(id, ips)
}

func (s *Service) recordIPs(id string, ips []string) error {
	return s.checkpoints.Update(id, func(cp *store.Checkpoint) error {
		cp.Dockercri.IPs = ips
		return nil
	})
}

// tearDownNetwork runs CNI DEL once for a sandbox whose network was set
// up; a failed DEL leaves the mark so that the next stop retries it.
func (s *Service) tearDownNetwork(ctx context.Context, id string, pid int) error {
	if s.net == nil {
		return nil
	}
	cp, err := s.checkpoints.Read(id)
	if errdefs.Class(err) == errdefs.ErrNotFound || (err == nil && (cp.Dockercri == nil || !cp.Dockercri.NetworkSetUp)) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.net.TearDown(ctx, podFromCheckpoint(id, cp, pid)); err != nil {
		return err
	}
	return s.checkpoints.Update(id, func(cp *store.Checkpoint) error {
		cp.Dockercri.NetworkSetUp = false
		cp.Dockercri.IPs = nil
		return nil
	})
}
