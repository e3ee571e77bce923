package translate

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/docker/docker/api/types/container"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// Binds renders CRI mounts as Docker bind strings
// ("host:container[:opts]"), the only form that carries SELinux
// relabelling. Docker creates a missing host path as a directory, which is
// what kubelet expects.
func Binds(mounts []*runtimeapi.Mount) ([]string, error) {
	var out []string
	for _, m := range mounts {
		b, err := bind(m)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func bind(m *runtimeapi.Mount) (string, error) {
	switch {
	case m.Image != nil && m.Image.Image != "":
		return "", errdefs.InvalidArgument("mount %q: image volumes are not supported by Docker Engine API 1.41", m.ContainerPath)
	case m.HostPath == "" || !filepath.IsAbs(m.HostPath):
		return "", errdefs.InvalidArgument("mount %q: host_path %q must be an absolute path", m.ContainerPath, m.HostPath)
	case m.ContainerPath == "" || !path.IsAbs(m.ContainerPath):
		return "", errdefs.InvalidArgument("mount: container_path %q must be an absolute path", m.ContainerPath)
	case strings.Contains(m.HostPath, ":") || strings.Contains(m.ContainerPath, ":"):
		return "", errdefs.InvalidArgument("mount %q: paths containing ':' cannot be expressed to Docker", m.ContainerPath)
	case len(m.UidMappings) > 0 || len(m.GidMappings) > 0:
		return "", errdefs.InvalidArgument("mount %q: id-mapped mounts are not supported by Docker Engine", m.ContainerPath)
	case m.RecursiveReadOnly:
		return "", errdefs.InvalidArgument("mount %q: recursive read-only mounts are not supported by Docker Engine API 1.41", m.ContainerPath)
	}
	opts := []string{"rw"}
	if m.Readonly {
		opts[0] = "ro"
	}
	if m.SelinuxRelabel {
		opts = append(opts, "Z")
	}
	switch m.Propagation {
	case runtimeapi.MountPropagation_PROPAGATION_PRIVATE:
		opts = append(opts, "rprivate")
	case runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER:
		opts = append(opts, "rslave")
	case runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL:
		opts = append(opts, "rshared")
	default:
		return "", errdefs.InvalidArgument("mount %q: unknown propagation %d", m.ContainerPath, m.Propagation)
	}
	return filepath.Clean(m.HostPath) + ":" + path.Clean(m.ContainerPath) + ":" + strings.Join(opts, ","), nil
}

// MountsFromInspect reports a container's bind mounts back as CRI mounts.
func MountsFromInspect(points []container.MountPoint) []*runtimeapi.Mount {
	var out []*runtimeapi.Mount
	for _, p := range points {
		if p.Type != "bind" {
			continue
		}
		m := &runtimeapi.Mount{
			ContainerPath:  p.Destination,
			HostPath:       p.Source,
			Readonly:       !p.RW,
			SelinuxRelabel: strings.Contains(p.Mode, "Z") || strings.Contains(p.Mode, "z"),
		}
		switch p.Propagation {
		case "rslave", "slave":
			m.Propagation = runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER
		case "rshared", "shared":
			m.Propagation = runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL
		}
		out = append(out, m)
	}
	return out
}

func devices(devs []*runtimeapi.Device) ([]container.DeviceMapping, error) {
	var out []container.DeviceMapping
	for _, d := range devs {
		if !filepath.IsAbs(d.HostPath) || !path.IsAbs(d.ContainerPath) {
			return nil, errdefs.InvalidArgument("device %q -> %q: paths must be absolute", d.HostPath, d.ContainerPath)
		}
		perms := d.Permissions
		if perms == "" {
			perms = "rwm"
		}
		if strings.Trim(perms, "rwm") != "" {
			return nil, errdefs.InvalidArgument("device %q: permissions %q must be a combination of r, w and m", d.HostPath, perms)
		}
		out = append(out, container.DeviceMapping{PathOnHost: d.HostPath, PathInContainer: d.ContainerPath, CgroupPermissions: perms})
	}
	return out, nil
}
