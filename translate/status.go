package translate

import (
	"fmt"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Container reasons as kubelet knows them.
const (
	ReasonCompleted = "Completed"
	ReasonError     = "Error"
	ReasonOOMKilled = "OOMKilled"
)

// parseTime reads Docker's RFC 3339 timestamps; Docker's zero time is 0.
func parseTime(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.IsZero() || t.Year() <= 1 {
		return 0
	}
	return t.UnixNano()
}

// SandboxState maps a Docker state to the CRI sandbox state.
func SandboxState(dockerState string) runtimeapi.PodSandboxState {
	if dockerState == "running" {
		return runtimeapi.PodSandboxState_SANDBOX_READY
	}
	return runtimeapi.PodSandboxState_SANDBOX_NOTREADY
}

// ContainerState maps a Docker state ("created", "running", ...).
func ContainerState(dockerState string) runtimeapi.ContainerState {
	switch dockerState {
	case "created":
		return runtimeapi.ContainerState_CONTAINER_CREATED
	case "running", "paused", "restarting":
		return runtimeapi.ContainerState_CONTAINER_RUNNING
	case "exited", "dead", "removing":
		return runtimeapi.ContainerState_CONTAINER_EXITED
	}
	return runtimeapi.ContainerState_CONTAINER_UNKNOWN
}

// SandboxStatus builds PodSandboxStatus from the pause container's inspect
// data. ip is the pod IP found by the caller ("" for host network).
func SandboxStatus(in *container.InspectResponse, ips []string) (*runtimeapi.PodSandboxStatus, error) {
	if in.Config == nil || in.HostConfig == nil {
		return nil, fmt.Errorf("inspect data of %s is incomplete", in.ID)
	}
	meta, err := ParseSandboxName(in.Name)
	if err != nil {
		return nil, err
	}
	labels, annotations := SplitLabels(in.Config.Labels)
	st := &runtimeapi.PodSandboxStatus{
		Id:          in.ID,
		Metadata:    meta,
		State:       SandboxState(stateOf(in)),
		CreatedAt:   parseTime(in.Created),
		Labels:      labels,
		Annotations: annotations,
		Network:     &runtimeapi.PodSandboxNetworkStatus{},
		Linux: &runtimeapi.LinuxPodSandboxStatus{Namespaces: &runtimeapi.Namespace{Options: &runtimeapi.NamespaceOption{
			Network: nsMode(string(in.HostConfig.NetworkMode)),
			Pid:     pidMode(string(in.HostConfig.PidMode)),
			Ipc:     nsMode(string(in.HostConfig.IpcMode)),
		}}},
	}
	if len(ips) > 0 {
		st.Network.Ip = ips[0]
		for _, ip := range ips[1:] {
			st.Network.AdditionalIps = append(st.Network.AdditionalIps, &runtimeapi.PodIP{Ip: ip})
		}
	}
	return st, nil
}

func nsMode(dockerMode string) runtimeapi.NamespaceMode {
	if dockerMode == "host" {
		return runtimeapi.NamespaceMode_NODE
	}
	return runtimeapi.NamespaceMode_POD
}

// pidMode: a sandbox's own PID namespace is private unless it is the host's;
// whether its containers share it is recorded in the checkpoint.
func pidMode(dockerMode string) runtimeapi.NamespaceMode {
	if dockerMode == "host" {
		return runtimeapi.NamespaceMode_NODE
	}
	return runtimeapi.NamespaceMode_CONTAINER
}

func stateOf(in *container.InspectResponse) string {
	if in.State == nil {
		return ""
	}
	return in.State.Status
}

// BridgeIPs are the addresses Docker gave a bridge-mode sandbox.
func BridgeIPs(in *container.InspectResponse) []string {
	if in.NetworkSettings == nil || in.HostConfig == nil || in.HostConfig.NetworkMode.IsHost() {
		return nil
	}
	var ips []string
	add := func(ip string) {
		for _, have := range ips {
			if have == ip {
				return
			}
		}
		if ip != "" {
			ips = append(ips, ip)
		}
	}
	add(in.NetworkSettings.IPAddress)
	add(in.NetworkSettings.GlobalIPv6Address)
	for _, n := range in.NetworkSettings.Networks {
		if n != nil {
			add(n.IPAddress)
			add(n.GlobalIPv6Address)
		}
	}
	return ips
}

// ImageInfo is what ContainerStatus needs to know about a container's image.
type ImageInfo struct {
	ID          string
	RepoTags    []string
	RepoDigests []string
}

// ImageRef renders an image as dockershim did: docker-pullable://repo@digest
// for a pulled image, docker://sha256:... for one built or imported locally.
func ImageRef(img ImageInfo) string {
	if len(img.RepoDigests) > 0 {
		return "docker-pullable://" + img.RepoDigests[0]
	}
	return "docker://" + img.ID
}

// ContainerStatus builds the CRI status of a container.
func ContainerStatus(in *container.InspectResponse, img ImageInfo) (*runtimeapi.ContainerStatus, error) {
	if in.Config == nil || in.HostConfig == nil {
		return nil, fmt.Errorf("inspect data of %s is incomplete", in.ID)
	}
	meta, err := ParseContainerName(in.Name)
	if err != nil {
		return nil, err
	}
	labels, annotations := SplitLabels(in.Config.Labels)
	st := &runtimeapi.ContainerStatus{
		Id:          in.ID,
		Metadata:    meta,
		State:       ContainerState(stateOf(in)),
		CreatedAt:   parseTime(in.Created),
		Image:       containerImage(in.Config.Image, in.Config.Labels[LabelUserImage], img),
		ImageRef:    ImageRef(img),
		ImageId:     in.Image,
		Labels:      labels,
		Annotations: annotations,
		Mounts:      MountsFromInspect(in.Mounts),
		LogPath:     in.Config.Labels[LabelLogPath],
		Resources:   ResourcesFromHost(in.HostConfig),
		StopSignal:  StopSignalFromName(in.Config.StopSignal),
	}
	if s := in.State; s != nil {
		st.StartedAt = parseTime(s.StartedAt)
		if st.State == runtimeapi.ContainerState_CONTAINER_EXITED {
			st.FinishedAt = parseTime(s.FinishedAt)
			if st.FinishedAt != 0 && st.FinishedAt < st.StartedAt {
				// Docker stamps StartedAt after the process runs; one that
				// exits at once can look finished before it started.
				st.FinishedAt = st.StartedAt
			}
			st.ExitCode = int32(s.ExitCode)
			st.Reason, st.Message = exitReason(s)
		}
	}
	return st, nil
}

func exitReason(s *container.State) (string, string) {
	switch {
	case s.OOMKilled:
		return ReasonOOMKilled, s.Error
	case s.ExitCode == 0:
		return ReasonCompleted, s.Error
	}
	return ReasonError, s.Error
}

// SandboxFromSummary builds a ListPodSandbox entry.
func SandboxFromSummary(s *container.Summary) (*runtimeapi.PodSandbox, error) {
	meta, err := ParseSandboxName(PrimaryName(s.Names))
	if err != nil {
		return nil, err
	}
	labels, annotations := SplitLabels(s.Labels)
	return &runtimeapi.PodSandbox{
		Id:          s.ID,
		Metadata:    meta,
		State:       SandboxState(s.State),
		CreatedAt:   time.Unix(s.Created, 0).UnixNano(),
		Labels:      labels,
		Annotations: annotations,
	}, nil
}

// ContainerFromSummary builds a ListContainers entry.
func ContainerFromSummary(s *container.Summary) (*runtimeapi.Container, error) {
	meta, err := ParseContainerName(PrimaryName(s.Names))
	if err != nil {
		return nil, err
	}
	labels, annotations := SplitLabels(s.Labels)
	return &runtimeapi.Container{
		Id:           s.ID,
		PodSandboxId: s.Labels[LabelSandboxID],
		Metadata:     meta,
		Image:        containerImage(s.Image, s.Labels[LabelUserImage], ImageInfo{}),
		ImageRef:     s.ImageID,
		ImageId:      s.ImageID,
		State:        ContainerState(s.State),
		CreatedAt:    time.Unix(s.Created, 0).UnixNano(),
		Labels:       labels,
		Annotations:  annotations,
	}, nil
}

// PrimaryName is a container's own name among the names Docker lists.
func PrimaryName(names []string) string {
	if len(names) == 0 {
		return ""
	}
	// Linked containers have extra names with a "/" inside; the real one
	// is the shortest.
	best := names[0]
	for _, n := range names[1:] {
		if strings.Count(n, "/") < strings.Count(best, "/") {
			best = n
		}
	}
	return best
}

// containerImage names a container's image as kubelet shows it: a
// container created from an image id is reported by the image's first tag
// (as dockershim did); user is the reference the user wrote.
func containerImage(configured, user string, img ImageInfo) *runtimeapi.ImageSpec {
	name := configured
	if strings.HasPrefix(name, "sha256:") && len(img.RepoTags) > 0 {
		name = img.RepoTags[0]
	}
	if user == "" {
		user = configured
	}
	return &runtimeapi.ImageSpec{Image: name, UserSpecifiedImage: user}
}
