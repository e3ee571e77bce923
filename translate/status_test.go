package translate

import (
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

const dockerZeroTime = "0001-01-01T00:00:00Z"

func unixNano(t *testing.T, s string) int64 {
	ts, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return ts.UnixNano()
}

func TestSandboxStatus(t *testing.T) {
	in := newInspect(withLabels(map[string]string{LabelType: TypeSandbox, "app": "web", "annotation.seen": "now"}))
	st, err := SandboxStatus(in, []string{"10.0.0.5", "fd00::5", "10.0.1.5"})
	require.NoError(t, err)
	assert.Equal(t, testSandboxID, st.Id)
	assert.Equal(t, &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "uid-1", Attempt: 2}, st.Metadata)
	assert.Equal(t, runtimeapi.PodSandboxState_SANDBOX_READY, st.State)
	assert.Equal(t, unixNano(t, "2024-05-01T10:00:00.5Z"), st.CreatedAt)
	assert.Equal(t, map[string]string{"app": "web"}, st.Labels)
	assert.Equal(t, map[string]string{"seen": "now"}, st.Annotations)
	assert.Equal(t, "10.0.0.5", st.Network.Ip)
	assert.Equal(t, []*runtimeapi.PodIP{{Ip: "fd00::5"}, {Ip: "10.0.1.5"}}, st.Network.AdditionalIps)
	assert.Equal(t, &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_POD, Pid: runtimeapi.NamespaceMode_CONTAINER, Ipc: runtimeapi.NamespaceMode_POD},
		st.Linux.Namespaces.Options, "the pause container's own PID namespace is private")
}

func TestSandboxStatusStatesAndNamespaces(t *testing.T) {
	tests := []struct {
		name      string
		state     string
		host      bool
		wantState runtimeapi.PodSandboxState
		wantNS    runtimeapi.NamespaceMode
		wantPid   runtimeapi.NamespaceMode
	}{
		{"running", "running", false, runtimeapi.PodSandboxState_SANDBOX_READY, runtimeapi.NamespaceMode_POD, runtimeapi.NamespaceMode_CONTAINER},
		{"created", "created", false, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, runtimeapi.NamespaceMode_POD, runtimeapi.NamespaceMode_CONTAINER},
		{"exited", "exited", true, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, runtimeapi.NamespaceMode_NODE, runtimeapi.NamespaceMode_NODE},
		{"dead", "dead", true, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, runtimeapi.NamespaceMode_NODE, runtimeapi.NamespaceMode_NODE},
		{"paused", "paused", false, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, runtimeapi.NamespaceMode_POD, runtimeapi.NamespaceMode_CONTAINER},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInspect(withState(container.State{Status: container.ContainerState(tt.state)}), withHostConfig(func(h *container.HostConfig) {
				if tt.host {
					h.NetworkMode, h.PidMode, h.IpcMode = "host", "host", "host"
				}
			}))
			st, err := SandboxStatus(in, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.wantState, st.State)
			assert.Equal(t, tt.wantNS, st.Linux.Namespaces.Options.Network)
			assert.Equal(t, tt.wantPid, st.Linux.Namespaces.Options.Pid)
			assert.Equal(t, tt.wantNS, st.Linux.Namespaces.Options.Ipc)
			assert.Empty(t, st.Network.Ip)
			assert.Nil(t, st.Network.AdditionalIps)
		})
	}
}

func TestSandboxStatusRejectsContainerName(t *testing.T) {
	_, err := SandboxStatus(newInspect(withName("/k8s_app_web_default_uid-1_0")), nil)
	assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
}

func newContainerInspect(opts ...inspectOpt) *container.InspectResponse {
	base := []inspectOpt{
		withName("/k8s_app_web_default_uid-1_3"),
		withLabels(map[string]string{
			LabelType: TypeContainer, LabelSandboxID: testSandboxID, LabelLogPath: "/var/log/pods/p/app/3.log",
			"io.kubernetes.container.name": "app", "annotation.hash": "1a2b",
		}),
		func(in *container.InspectResponse) {
			in.ID = "c0ffee"
			in.Config.Image = "busybox:latest"
			in.Image = "sha256:b0b0"
			in.Config.StopSignal = "SIGINT"
			in.HostConfig = &container.HostConfig{Resources: container.Resources{CPUShares: 256, Memory: 1 << 20}}
			in.Mounts = []container.MountPoint{{Type: "bind", Source: "/h", Destination: "/c", RW: true}}
		},
	}
	return newInspect(append(base, opts...)...)
}

func TestContainerStatus(t *testing.T) {
	in := newContainerInspect()
	st, err := ContainerStatus(in, ImageInfo{ID: "sha256:b0b0", RepoDigests: []string{"busybox@sha256:d1"}})
	require.NoError(t, err)
	assert.Equal(t, "c0ffee", st.Id)
	assert.Equal(t, &runtimeapi.ContainerMetadata{Name: "app", Attempt: 3}, st.Metadata)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_RUNNING, st.State)
	assert.Equal(t, unixNano(t, "2024-05-01T10:00:00.5Z"), st.CreatedAt)
	assert.Equal(t, unixNano(t, "2024-05-01T10:00:01Z"), st.StartedAt)
	assert.Zero(t, st.FinishedAt, "a running container has not finished")
	assert.Zero(t, st.ExitCode)
	assert.Empty(t, st.Reason)
	assert.Equal(t, "busybox:latest", st.Image.Image)
	assert.Equal(t, "docker-pullable://busybox@sha256:d1", st.ImageRef)
	assert.Equal(t, "sha256:b0b0", st.ImageId)
	assert.Equal(t, map[string]string{"io.kubernetes.container.name": "app"}, st.Labels)
	assert.Equal(t, map[string]string{"hash": "1a2b"}, st.Annotations)
	assert.Equal(t, "/var/log/pods/p/app/3.log", st.LogPath)
	assert.Equal(t, []*runtimeapi.Mount{{HostPath: "/h", ContainerPath: "/c"}}, st.Mounts)
	assert.Equal(t, int64(256), st.Resources.Linux.CpuShares)
	assert.Equal(t, int64(1<<20), st.Resources.Linux.MemoryLimitInBytes)
	assert.Equal(t, runtimeapi.Signal_SIGNAL_SIGINT, st.StopSignal)
}

func TestContainerStatusStates(t *testing.T) {
	const started, finished = "2024-05-01T10:00:01.25Z", "2024-05-01T10:05:00.000000001Z"
	tests := []struct {
		name         string
		state        container.State
		wantState    runtimeapi.ContainerState
		wantStarted  string
		wantFinished string
		wantCode     int32
		wantReason   string
		wantMessage  string
	}{
		{"created", container.State{Status: "created", StartedAt: dockerZeroTime, FinishedAt: dockerZeroTime},
			runtimeapi.ContainerState_CONTAINER_CREATED, "", "", 0, "", ""},
		{"running", container.State{Status: "running", StartedAt: started, FinishedAt: dockerZeroTime},
			runtimeapi.ContainerState_CONTAINER_RUNNING, started, "", 0, "", ""},
		{"restarted while running keeps old finish out", container.State{Status: "running", StartedAt: started, FinishedAt: finished, ExitCode: 3},
			runtimeapi.ContainerState_CONTAINER_RUNNING, started, "", 0, "", ""},
		{"exited ok", container.State{Status: "exited", StartedAt: started, FinishedAt: finished},
			runtimeapi.ContainerState_CONTAINER_EXITED, started, finished, 0, ReasonCompleted, ""},
		{"exited error", container.State{Status: "exited", StartedAt: started, FinishedAt: finished, ExitCode: 2},
			runtimeapi.ContainerState_CONTAINER_EXITED, started, finished, 2, ReasonError, ""},
		{"oom killed", container.State{Status: "exited", StartedAt: started, FinishedAt: finished, ExitCode: 137, OOMKilled: true},
			runtimeapi.ContainerState_CONTAINER_EXITED, started, finished, 137, ReasonOOMKilled, ""},
		{"dead with error", container.State{Status: "dead", StartedAt: started, FinishedAt: finished, ExitCode: 128, Error: "shim died"},
			runtimeapi.ContainerState_CONTAINER_EXITED, started, finished, 128, ReasonError, "shim died"},
		{"never started, failed", container.State{Status: "exited", StartedAt: dockerZeroTime, FinishedAt: dockerZeroTime, ExitCode: 127, Error: "exec: not found"},
			runtimeapi.ContainerState_CONTAINER_EXITED, "", "", 127, ReasonError, "exec: not found"},
		{"finished before docker stamped the start", container.State{Status: "exited", StartedAt: finished, FinishedAt: started, ExitCode: 1},
			runtimeapi.ContainerState_CONTAINER_EXITED, finished, finished, 1, ReasonError, ""},
		{"unknown status", container.State{Status: "weird"}, runtimeapi.ContainerState_CONTAINER_UNKNOWN, "", "", 0, "", ""},
		{"unparseable times", container.State{Status: "exited", StartedAt: "yesterday", FinishedAt: ""},
			runtimeapi.ContainerState_CONTAINER_EXITED, "", "", 0, ReasonCompleted, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ContainerStatus(newContainerInspect(withState(tt.state)), ImageInfo{ID: "sha256:b0b0"})
			require.NoError(t, err)
			assert.Equal(t, tt.wantState, st.State)
			wantStarted, wantFinished := int64(0), int64(0)
			if tt.wantStarted != "" {
				wantStarted = unixNano(t, tt.wantStarted)
			}
			if tt.wantFinished != "" {
				wantFinished = unixNano(t, tt.wantFinished)
			}
			assert.Equal(t, wantStarted, st.StartedAt)
			assert.Equal(t, wantFinished, st.FinishedAt)
			assert.Equal(t, tt.wantCode, st.ExitCode)
			assert.Equal(t, tt.wantReason, st.Reason)
			assert.Equal(t, tt.wantMessage, st.Message)
		})
	}
}

func TestContainerStatusWithoutState(t *testing.T) {
	in := newContainerInspect(func(in *container.InspectResponse) { in.State = nil })
	st, err := ContainerStatus(in, ImageInfo{ID: "sha256:b0b0"})
	require.NoError(t, err)
	assert.Equal(t, runtimeapi.ContainerState_CONTAINER_UNKNOWN, st.State)
	assert.Zero(t, st.StartedAt)
	assert.Equal(t, "docker://sha256:b0b0", st.ImageRef)
}

func TestContainerStatusRejectsSandboxName(t *testing.T) {
	_, err := ContainerStatus(newInspect(), ImageInfo{})
	assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
}

func TestContainerState(t *testing.T) {
	want := map[string]runtimeapi.ContainerState{
		"created": runtimeapi.ContainerState_CONTAINER_CREATED, "running": runtimeapi.ContainerState_CONTAINER_RUNNING,
		"paused": runtimeapi.ContainerState_CONTAINER_RUNNING, "restarting": runtimeapi.ContainerState_CONTAINER_RUNNING,
		"exited": runtimeapi.ContainerState_CONTAINER_EXITED, "dead": runtimeapi.ContainerState_CONTAINER_EXITED,
		"removing": runtimeapi.ContainerState_CONTAINER_EXITED, "": runtimeapi.ContainerState_CONTAINER_UNKNOWN,
	}
	for in, w := range want {
		assert.Equal(t, w, ContainerState(in), "ContainerState(%q)", in)
	}
}

func TestImageRef(t *testing.T) {
	assert.Equal(t, "docker-pullable://reg.io/a@sha256:1", ImageRef(ImageInfo{ID: "sha256:9", RepoDigests: []string{"reg.io/a@sha256:1", "reg.io/b@sha256:1"}}))
	assert.Equal(t, "docker://sha256:9", ImageRef(ImageInfo{ID: "sha256:9"}))
}

func TestBridgeIPs(t *testing.T) {
	tests := []struct {
		name string
		in   *container.InspectResponse
		want []string
	}{
		{"no network settings", newInspect(), nil},
		{"host network", newInspect(withHostConfig(func(h *container.HostConfig) { h.NetworkMode = "host" }), func(in *container.InspectResponse) {
			in.NetworkSettings = &container.NetworkSettings{DefaultNetworkSettings: container.DefaultNetworkSettings{IPAddress: "172.17.0.2"}}
		}), nil},
		{"default bridge deduplicated", newInspect(func(in *container.InspectResponse) {
			in.NetworkSettings = &container.NetworkSettings{
				DefaultNetworkSettings: container.DefaultNetworkSettings{IPAddress: "172.17.0.2", GlobalIPv6Address: "fd00::2"},
				Networks: map[string]*network.EndpointSettings{
					"bridge": {IPAddress: "172.17.0.2", GlobalIPv6Address: "fd00::2"},
					"nil":    nil,
				},
			}
		}), []string{"172.17.0.2", "fd00::2"}},
		{"user network only", newInspect(func(in *container.InspectResponse) {
			in.NetworkSettings = &container.NetworkSettings{Networks: map[string]*network.EndpointSettings{"pods": {IPAddress: "10.1.0.7"}}}
		}), []string{"10.1.0.7"}},
		{"none network", newInspect(withHostConfig(func(h *container.HostConfig) { h.NetworkMode = "none" }), func(in *container.InspectResponse) {
			in.NetworkSettings = &container.NetworkSettings{Networks: map[string]*network.EndpointSettings{"none": {}}}
		}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, BridgeIPs(tt.in))
		})
	}
}

func TestContainerImageName(t *testing.T) {
	img := ImageInfo{ID: "sha256:abc", RepoTags: []string{"busybox:1.36", "busybox:latest"}}
	cases := []struct {
		configured, user string
		img              ImageInfo
		wantImage        string
		wantUser         string
	}{
		{"sha256:abc", "busybox", img, "busybox:1.36", "busybox"},
		{"sha256:abc", "", ImageInfo{ID: "sha256:abc"}, "sha256:abc", "sha256:abc"},
		{"busybox:latest", "", img, "busybox:latest", "busybox:latest"},
	}
	for _, c := range cases {
		got := containerImage(c.configured, c.user, c.img)
		if got.Image != c.wantImage || got.UserSpecifiedImage != c.wantUser {
			t.Errorf("%q/%q: got %q/%q, want %q/%q", c.configured, c.user, got.Image, got.UserSpecifiedImage, c.wantImage, c.wantUser)
		}
	}
}
