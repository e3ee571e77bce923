package translate

import (
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/docker/docker/api/types/container"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// ContainerOptions are the runtime's facts for a container spec.
type ContainerOptions struct {
	SandboxID string
	// Runtime is the Docker runtime of the sandbox ("" for the engine's
	// default), which the container runs with too.
	Runtime string
	// DockerLog bounds Docker's own copy of the logs (json-file max-size
	// and max-file) of containers whose logs dockercri writes for kubelet.
	DockerLog DockerLogLimits
	Host      HostLimits
	// Seccomp holds the contents of Localhost seccomp profiles by path.
	Seccomp map[string][]byte
}

// ContainerSpec turns a CreateContainer request into a Docker create spec.
// The container always joins its sandbox's network and IPC namespaces, and
// its PID namespace when the pod shares one, also when cfg has no Linux
// section at all.
func ContainerSpec(cfg *runtimeapi.ContainerConfig, sandbox *runtimeapi.PodSandboxConfig, opts ContainerOptions) (*CreateSpec, error) {
	if cfg == nil {
		return nil, errdefs.InvalidArgument("container config is required")
	}
	if err := ValidateContainerMetadata(cfg.Metadata); err != nil {
		return nil, err
	}
	if sandbox == nil {
		return nil, errdefs.InvalidArgument("sandbox config is required")
	}
	if err := ValidateSandboxMetadata(sandbox.Metadata); err != nil {
		return nil, err
	}
	if cfg.GetImage().GetImage() == "" {
		return nil, errdefs.InvalidArgument("container image is required")
	}
	env, err := envList(cfg.Envs)
	if err != nil {
		return nil, err
	}
	if err := ValidateLogPath(sandbox.LogDirectory, cfg.LogPath); err != nil {
		return nil, err
	}
	c := &container.Config{
		Image:      cfg.Image.Image,
		Entrypoint: cfg.Command,
		Cmd:        cfg.Args,
		Env:        env,
		WorkingDir: cfg.WorkingDir,
		Tty:        cfg.Tty,
		OpenStdin:  cfg.Stdin,
		StdinOnce:  cfg.StdinOnce,
		StopSignal: StopSignalName(cfg.StopSignal),
		Labels: MakeLabels(cfg.Labels, cfg.Annotations, map[string]string{
			LabelType:      TypeContainer,
			LabelSandboxID: opts.SandboxID,
			LabelLogPath:   LogPath(sandbox.LogDirectory, cfg.LogPath),
		}),
	}
	if u := cfg.Image.UserSpecifiedImage; u != "" {
		c.Labels[LabelUserImage] = u
	}
	h := &container.HostConfig{}
	applyNamespaces(h, opts.SandboxID, sandbox, cfg.GetLinux().GetSecurityContext().GetNamespaceOptions())
	spec := &CreateSpec{Name: ContainerName(sandbox.Metadata, cfg.Metadata), Config: c, HostConfig: h}
	h.Runtime = opts.Runtime
	ms, err := Mounts(cfg.Mounts, MountTarget{Engine: opts.Host.Engine, Runtime: opts.Runtime})
	if err != nil {
		return nil, err
	}
	h.Binds, h.Mounts = ms.Binds, ms.Mounts
	spec.Warnings = append(spec.Warnings, ms.Warnings...)
	if h.Devices, err = devices(cfg.Devices); err != nil {
		return nil, err
	}
	if h.DeviceRequests, err = cdiDevices(cfg.CDIDevices, opts.Host.Engine); err != nil {
		return nil, err
	}
	if res := cfg.GetLinux().GetResources(); res != nil {
		r, warnings, err := Resources(res, opts.Host)
		if err != nil {
			return nil, err
		}
		h.Resources = r
		h.OomScoreAdj = opts.Host.clampOOM(res.OomScoreAdj)
		if files := CgroupFiles(res); files != "" {
			c.Labels[LabelCgroupFiles] = files
		}
		spec.Warnings = append(spec.Warnings, warnings...)
	}
	if c.Labels[LabelLogPath] != "" {
		h.LogConfig = opts.DockerLog.config()
	}
	h.CgroupParent = CgroupParent(sandbox.GetLinux().GetCgroupParent(), opts.Host.CgroupDriver)
	if err := applyContainerSecurity(c, h, cfg.GetLinux().GetSecurityContext(), opts.Host, opts.Seccomp); err != nil {
		return nil, err
	}
	return spec, nil
}

// applyNamespaces joins the sandbox's namespaces. The container's own
// options win where they are set; otherwise the pod's apply.
func applyNamespaces(h *container.HostConfig, sandboxID string, sandbox *runtimeapi.PodSandboxConfig, own *runtimeapi.NamespaceOption) {
	join := "container:" + sandboxID
	pod := sandbox.GetLinux().GetSecurityContext().GetNamespaceOptions()
	h.NetworkMode = container.NetworkMode(join)
	h.IpcMode = container.IpcMode(join)
	if pod.GetIpc() == runtimeapi.NamespaceMode_NODE || own.GetIpc() == runtimeapi.NamespaceMode_NODE {
		h.IpcMode = "host"
	}
	pid := pod.GetPid()
	if own != nil {
		pid = own.GetPid()
	}
	switch pid {
	case runtimeapi.NamespaceMode_NODE:
		h.PidMode = "host"
	case runtimeapi.NamespaceMode_POD:
		h.PidMode = container.PidMode(join)
	case runtimeapi.NamespaceMode_TARGET:
		h.PidMode = container.PidMode("container:" + own.GetTargetId())
	}
	if pod.GetNetwork() == runtimeapi.NamespaceMode_NODE {
		h.UTSMode = "host"
	}
}

func envList(kvs []*runtimeapi.KeyValue) ([]string, error) {
	out := make([]string, 0, len(kvs))
	for _, kv := range kvs {
		if kv.Key == "" {
			return nil, errdefs.InvalidArgument("environment variable with empty name")
		}
		out = append(out, kv.Key+"="+string(kv.Value))
	}
	return out, nil
}

// ValidateLogPath refuses a log path that would make dockercri write
// outside the pod's log directory (an absolute or "../" path), a relative
// log directory, or a path no file system takes (a NUL byte).
func ValidateLogPath(dir, rel string) error {
	if dir == "" || rel == "" {
		return nil
	}
	if strings.ContainsRune(dir, 0) || strings.ContainsRune(rel, 0) {
		return errdefs.InvalidArgument("log_directory %q and log_path %q must not contain a NUL byte", dir, rel)
	}
	if !filepath.IsAbs(dir) {
		return errdefs.InvalidArgument("log_directory %q must be an absolute path", dir)
	}
	if filepath.IsAbs(rel) || !filepath.IsLocal(rel) {
		return errdefs.InvalidArgument("log_path %q must stay inside the pod's log directory", rel)
	}
	return nil
}

// LogPath is the absolute log path kubelet asked for, or "" when the
// sandbox has no log directory.
func LogPath(dir, rel string) string {
	if dir == "" || rel == "" {
		return ""
	}
	return filepath.Join(dir, rel)
}

// StopSignalName renders the CRI stop signal as Docker's name ("" is the
// image's or Docker's default): SIGNAL_SIGRTMINPLUS3 is "SIGRTMIN+3".
func StopSignalName(s runtimeapi.Signal) string {
	if s == runtimeapi.Signal_SIGNAL_RUNTIME_DEFAULT {
		return ""
	}
	name := strings.TrimPrefix(s.String(), "SIGNAL_")
	name = strings.Replace(name, "PLUS", "+", 1)
	return strings.Replace(name, "MINUS", "-", 1)
}

// StopSignalFromName is the inverse of StopSignalName; it also reads the
// forms an image's STOPSIGNAL may hold ("TERM", "SIGRTMIN+3", "9").
func StopSignalFromName(name string) runtimeapi.Signal {
	name = strings.ToUpper(strings.TrimSpace(name))
	if name == "" {
		return runtimeapi.Signal_SIGNAL_RUNTIME_DEFAULT
	}
	if n, err := strconv.Atoi(name); err == nil {
		name = unix.SignalName(syscall.Signal(n))
		if name == "" {
			return runtimeapi.Signal_SIGNAL_RUNTIME_DEFAULT
		}
	}
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	name = strings.Replace(strings.Replace(name, "+", "PLUS", 1), "-", "MINUS", 1)
	if v, ok := runtimeapi.Signal_value["SIGNAL_"+name]; ok {
		return runtimeapi.Signal(v)
	}
	return runtimeapi.Signal_SIGNAL_RUNTIME_DEFAULT
}

// DockerLogLimits bound Docker's json-file log of a container.
type DockerLogLimits struct {
	MaxSize string // e.g. "10m"
	MaxFile int
}

// config is the json-file log config; the follower reads it back through
// Docker's API, so the driver must be one Docker can read.
func (l DockerLogLimits) config() container.LogConfig {
	cfg := container.LogConfig{Type: "json-file", Config: map[string]string{}}
	if l.MaxSize != "" {
		cfg.Config["max-size"] = l.MaxSize
	}
	if l.MaxFile > 0 {
		cfg.Config["max-file"] = strconv.Itoa(l.MaxFile)
	}
	return cfg
}
