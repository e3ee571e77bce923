package translate

import (
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

const join = "container:" + testSandboxID

func TestContainerSpecNamespaces(t *testing.T) {
	const (
		pod       = runtimeapi.NamespaceMode_POD
		own       = runtimeapi.NamespaceMode_CONTAINER
		node      = runtimeapi.NamespaceMode_NODE
		targetted = runtimeapi.NamespaceMode_TARGET
	)
	tests := []struct {
		name    string
		sandbox sandboxOpt
		ctr     containerOpt
		wantPid container.PidMode
		wantIpc container.IpcMode
		wantUTS container.UTSMode
	}{
		{"pod shares pid, container says nothing", withPodNamespaces(pod, pod, pod), withoutContainerLinux(), join, join, ""},
		{"pod own pid, no Linux section", withPodNamespaces(pod, own, pod), withoutContainerLinux(), "", join, ""},
		{"pod own pid, empty security context", withPodNamespaces(pod, own, pod), withContainerSecurity(func(*runtimeapi.LinuxContainerSecurityContext) {}), "", join, ""},
		{"container asks POD", withPodNamespaces(pod, own, pod), withContainerPid(pod, ""), join, join, ""},
		{"container asks CONTAINER", withPodNamespaces(pod, pod, pod), withContainerPid(own, ""), "", join, ""},
		{"container asks NODE", withPodNamespaces(pod, own, pod), withContainerPid(node, ""), "host", join, ""},
		{"pod NODE pid, no Linux section", withPodNamespaces(pod, node, pod), withoutContainerLinux(), "host", join, ""},
		{"container TARGET", withPodNamespaces(pod, own, pod), withContainerPid(targetted, "abc123"), "container:abc123", join, ""},
		{"host ipc", withPodNamespaces(pod, own, node), withoutContainerLinux(), "", "host", ""},
		{"host network shares UTS", withPodNamespaces(node, own, pod), withoutContainerLinux(), "", join, "host"},
		{"sandbox without Linux section", withoutSandboxLinux(), withoutContainerLinux(), join, join, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := ContainerSpec(newContainerConfig(tt.ctr), newSandboxConfig(tt.sandbox), defaultContainerOptions())
			require.NoError(t, err)
			h := spec.HostConfig
			assert.Equal(t, container.NetworkMode(join), h.NetworkMode, "always joins the sandbox's network")
			assert.Equal(t, tt.wantIpc, h.IpcMode)
			assert.Equal(t, tt.wantPid, h.PidMode)
			assert.Equal(t, tt.wantUTS, h.UTSMode)
		})
	}
}

func TestContainerSpecProcess(t *testing.T) {
	cfg := newContainerConfig(func(c *runtimeapi.ContainerConfig) {
		c.Command = []string{"/bin/sh", "-c"}
		c.Args = []string{"echo hi; sleep 1"}
		c.Envs = []*runtimeapi.KeyValue{{Key: "A", Value: []byte("1")}, {Key: "EMPTY"}, {Key: "EQ", Value: []byte("x=y")}}
		c.WorkingDir = "/work"
		c.Tty, c.Stdin, c.StdinOnce = true, true, true
		c.StopSignal = runtimeapi.Signal_SIGNAL_SIGQUIT
	})
	spec, err := ContainerSpec(cfg, newSandboxConfig(), defaultContainerOptions())
	require.NoError(t, err)
	c := spec.Config
	assert.Equal(t, "k8s_app_web_default_uid-1_1", spec.Name)
	assert.Equal(t, "busybox:latest", c.Image)
	assert.Equal(t, []string{"/bin/sh", "-c"}, []string(c.Entrypoint))
	assert.Equal(t, []string{"echo hi; sleep 1"}, []string(c.Cmd))
	assert.Equal(t, []string{"A=1", "EMPTY=", "EQ=x=y"}, c.Env)
	assert.Equal(t, "/work", c.WorkingDir)
	assert.True(t, c.Tty)
	assert.True(t, c.OpenStdin)
	assert.True(t, c.StdinOnce)
	assert.Equal(t, "SIGQUIT", c.StopSignal)
}

func TestContainerSpecNoCommandKeepsImageDefaults(t *testing.T) {
	spec, err := ContainerSpec(newContainerConfig(), newSandboxConfig(), defaultContainerOptions())
	require.NoError(t, err)
	assert.Nil(t, spec.Config.Entrypoint)
	assert.Nil(t, spec.Config.Cmd)
	assert.Empty(t, spec.Config.StopSignal)
	assert.Empty(t, spec.Config.Env)
}

func TestContainerSpecLabels(t *testing.T) {
	cfg := newContainerConfig(func(c *runtimeapi.ContainerConfig) {
		c.Labels = map[string]string{"io.kubernetes.container.name": "app"}
		c.Annotations = map[string]string{"io.kubernetes.container.hash": "abc"}
	})
	spec, err := ContainerSpec(cfg, newSandboxConfig(), defaultContainerOptions())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"io.kubernetes.container.name":            "app",
		"annotation.io.kubernetes.container.hash": "abc",
		LabelType:                         TypeContainer,
		LabelSandboxID:                    testSandboxID,
		"io.kubernetes.container.logpath": "/var/log/pods/default_web_uid-1/app/1.log",
	}, spec.Config.Labels)
}

func TestLogPath(t *testing.T) {
	tests := []struct{ dir, rel, want string }{
		{"/var/log/pods/x", "app/0.log", "/var/log/pods/x/app/0.log"},
		{"/var/log/pods/x/", "./app/0.log", "/var/log/pods/x/app/0.log"},
		{"", "app/0.log", ""},
		{"/var/log/pods/x", "", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, LogPath(tt.dir, tt.rel), "LogPath(%q, %q)", tt.dir, tt.rel)
	}
}

func TestContainerSpecRuntimeFacts(t *testing.T) {
	opts := defaultContainerOptions()
	opts.Host = HostLimits{CgroupDriver: "systemd", MinOOMScoreAdj: -100}
	cfg := newContainerConfig(withResources(&runtimeapi.LinuxContainerResources{OomScoreAdj: -999, CpuShares: 512, MemoryLimitInBytes: 1 << 30}))
	spec, err := ContainerSpec(cfg, newSandboxConfig(withCgroupParent("/kubepods/pod9")), opts)
	require.NoError(t, err)
	assert.Equal(t, "kubepods-pod9.slice", spec.HostConfig.CgroupParent)
	assert.Equal(t, -100, spec.HostConfig.OomScoreAdj, "clamped to the host's floor")
	assert.Equal(t, int64(512), spec.HostConfig.CPUShares)
	assert.Equal(t, int64(1<<30), spec.HostConfig.Memory)
}

func TestContainerSpecOOMScoreUpperBound(t *testing.T) {
	cfg := newContainerConfig(withResources(&runtimeapi.LinuxContainerResources{OomScoreAdj: 5000}))
	spec, err := ContainerSpec(cfg, newSandboxConfig(), defaultContainerOptions())
	require.NoError(t, err)
	assert.Equal(t, 1000, spec.HostConfig.OomScoreAdj)
}

func TestContainerSpecResourceWarnings(t *testing.T) {
	cfg := newContainerConfig(withResources(&runtimeapi.LinuxContainerResources{
		HugepageLimits: []*runtimeapi.HugepageLimit{{PageSize: "2MB", Limit: 0}, {PageSize: "1GB", Limit: 1 << 30}},
	}))
	spec, err := ContainerSpec(cfg, newSandboxConfig(), defaultContainerOptions())
	require.NoError(t, err)
	require.Len(t, spec.Warnings, 1)
	assert.Contains(t, spec.Warnings[0], "1GB")
}

func TestContainerSpecRejects(t *testing.T) {
	tests := []struct {
		name    string
		cfg     *runtimeapi.ContainerConfig
		sandbox *runtimeapi.PodSandboxConfig
	}{
		{"nil config", nil, newSandboxConfig()},
		{"nil sandbox", newContainerConfig(), nil},
		{"nil metadata", newContainerConfig(func(c *runtimeapi.ContainerConfig) { c.Metadata = nil }), newSandboxConfig()},
		{"reserved name", newContainerConfig(withContainerMeta("POD", 0)), newSandboxConfig()},
		{"bad sandbox metadata", newContainerConfig(), newSandboxConfig(withSandboxMeta("web", "de_fault", "u", 0))},
		{"no image", newContainerConfig(func(c *runtimeapi.ContainerConfig) { c.Image = nil }), newSandboxConfig()},
		{"empty image", newContainerConfig(func(c *runtimeapi.ContainerConfig) { c.Image = &runtimeapi.ImageSpec{} }), newSandboxConfig()},
		{"empty env name", newContainerConfig(func(c *runtimeapi.ContainerConfig) {
			c.Envs = []*runtimeapi.KeyValue{{Key: "", Value: []byte("x")}}
		}), newSandboxConfig()},
		{"bad unified value", newContainerConfig(withResources(&runtimeapi.LinuxContainerResources{Unified: map[string]string{"pids.max": "lots"}})), newSandboxConfig()},
		{"negative cpu shares", newContainerConfig(withResources(&runtimeapi.LinuxContainerResources{CpuShares: -1})), newSandboxConfig()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := ContainerSpec(tt.cfg, tt.sandbox, defaultContainerOptions())
			assert.Nil(t, spec)
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}

func TestStopSignalRoundTrip(t *testing.T) {
	for v, name := range runtimeapi.Signal_name {
		sig := runtimeapi.Signal(v)
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, sig, StopSignalFromName(StopSignalName(sig)))
		})
	}
}

func TestStopSignalName(t *testing.T) {
	tests := []struct {
		sig  runtimeapi.Signal
		want string
	}{
		{runtimeapi.Signal_SIGNAL_RUNTIME_DEFAULT, ""},
		{runtimeapi.Signal_SIGNAL_SIGTERM, "SIGTERM"},
		{runtimeapi.Signal_SIGNAL_SIGKILL, "SIGKILL"},
		{runtimeapi.Signal_SIGNAL_SIGWINCH, "SIGWINCH"},
		{runtimeapi.Signal_SIGNAL_SIGRTMIN, "SIGRTMIN"},
		{runtimeapi.Signal_SIGNAL_SIGRTMAX, "SIGRTMAX"},
	}
	for _, tt := range tests {
		t.Run(tt.sig.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, StopSignalName(tt.sig))
		})
	}
}

// Docker (moby/sys/signal.ParseSignal, called by the daemon at create) knows
// real-time signals as RTMIN+n and RTMAX-n and rejects a create whose
// StopSignal it cannot parse, so "SIGRTMINPLUS3" fails every such pod.
func TestStopSignalNameRealtimeSignals(t *testing.T) {
	tests := []struct {
		sig  runtimeapi.Signal
		want string
	}{
		{runtimeapi.Signal_SIGNAL_SIGRTMINPLUS1, "SIGRTMIN+1"},
		{runtimeapi.Signal_SIGNAL_SIGRTMINPLUS3, "SIGRTMIN+3"},
		{runtimeapi.Signal_SIGNAL_SIGRTMINPLUS15, "SIGRTMIN+15"},
		{runtimeapi.Signal_SIGNAL_SIGRTMAXMINUS1, "SIGRTMAX-1"},
		{runtimeapi.Signal_SIGNAL_SIGRTMAXMINUS14, "SIGRTMAX-14"},
	}
	for _, tt := range tests {
		t.Run(tt.sig.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, StopSignalName(tt.sig))
		})
	}
}

func TestStopSignalFromName(t *testing.T) {
	tests := []struct {
		name string
		want runtimeapi.Signal
	}{
		{"", runtimeapi.Signal_SIGNAL_RUNTIME_DEFAULT},
		{"SIGTERM", runtimeapi.Signal_SIGNAL_SIGTERM},
		{"sigquit", runtimeapi.Signal_SIGNAL_SIGQUIT},
		{"SIGBOGUS", runtimeapi.Signal_SIGNAL_RUNTIME_DEFAULT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, StopSignalFromName(tt.name))
		})
	}
}

// An image's STOPSIGNAL is reported by Docker verbatim in Config.StopSignal;
// Docker accepts "SIGRTMIN+3", "TERM" (no SIG prefix) and numbers.
func TestStopSignalFromNameDockerForms(t *testing.T) {
	tests := []struct {
		name string
		want runtimeapi.Signal
	}{
		{"SIGRTMIN+3", runtimeapi.Signal_SIGNAL_SIGRTMINPLUS3},
		{"SIGRTMAX-2", runtimeapi.Signal_SIGNAL_SIGRTMAXMINUS2},
		{"TERM", runtimeapi.Signal_SIGNAL_SIGTERM},
		{"9", runtimeapi.Signal_SIGNAL_SIGKILL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, StopSignalFromName(tt.name))
		})
	}
}

func TestValidateLogPath(t *testing.T) {
	cases := []struct {
		dir, rel string
		ok       bool
	}{
		{"/var/log/pods/ns_web_uid", "app/0.log", true},
		{"/var/log/pods/ns_web_uid", "0.log", true},
		{"", "0.log", true},
		{"/var/log/pods/x", "", true},
		{"/var/log/pods/x", "../../../etc/cron.d/evil", false},
		{"/var/log/pods/x", "app/../../y.log", false},
		{"/var/log/pods/x", "/etc/passwd", false},
		{"relative/dir", "0.log", false},
		{"/var/log/pods/x", "app/\x00g", false},
		{"/var/log/pods/x\x00y", "0.log", false},
	}
	for _, c := range cases {
		err := ValidateLogPath(c.dir, c.rel)
		if c.ok {
			assert.NoError(t, err, "%s + %s", c.dir, c.rel)
		} else {
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument, "%s + %s", c.dir, c.rel)
		}
	}
}
