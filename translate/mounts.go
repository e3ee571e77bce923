package translate

import (
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// MountSet is a container's CRI mounts in the two forms Docker takes.
type MountSet struct {
	// Binds ("host:container[:opts]") carry the mounts whose meaning a bind
	// string expresses on this engine, SELinux relabelling among them.
	Binds []string
	// Mounts carry the rest: read-only binds on engines that would make a
	// read-only bind string recursively read-only (API ≥ 1.44), recursive
	// read-only binds, and image volumes.
	Mounts []mount.Mount
	// Warnings name what could not be expressed exactly.
	Warnings []string
}

// MountTarget is what the mounts are for: the engine and the Docker
// runtime that will run the container.
type MountTarget struct {
	Engine  EngineFeatures
	Runtime string
}

// Mounts renders CRI mounts for Docker. `readonly` keeps its CRI meaning
// (the mount itself read-only, submounts as they are) on every engine;
// `recursive_read_only` makes submounts read-only too where the runtime can.
// A missing host path is created as a directory, as kubelet expects.
func Mounts(mounts []*runtimeapi.Mount, to MountTarget) (MountSet, error) {
	var out MountSet
	for _, m := range mounts {
		if err := out.add(m, to); err != nil {
			return MountSet{}, err
		}
	}
	return out, nil
}

func (s *MountSet) add(m *runtimeapi.Mount, to MountTarget) error {
	if m.ContainerPath == "" || !path.IsAbs(m.ContainerPath) {
		return errdefs.InvalidArgument("mount: container_path %q must be an absolute path", m.ContainerPath)
	}
	if m.Image != nil && m.Image.Image != "" {
		im, err := imageMount(m, to.Engine)
		if err != nil {
			return err
		}
		s.Mounts = append(s.Mounts, im)
		return nil
	}
	if err := validateBind(m, to); err != nil {
		return err
	}
	switch {
	case m.RecursiveReadOnly:
		s.Mounts = append(s.Mounts, bindMount(m, mount.BindOptions{ReadOnlyForceRecursive: true}))
	case m.Readonly && to.Engine.NonRecursiveReadOnlyOption() && !m.SelinuxRelabel:
		s.Mounts = append(s.Mounts, bindMount(m, mount.BindOptions{ReadOnlyNonRecursive: true}))
	default:
		if m.Readonly && m.SelinuxRelabel && to.Engine.NonRecursiveReadOnlyOption() {
			s.Warnings = append(s.Warnings, "mount "+m.ContainerPath+": read-only with SELinux relabelling is recursively read-only on "+to.Engine.String()+" (Docker's mount API cannot relabel)")
		}
		s.Binds = append(s.Binds, bindString(m))
	}
	return nil
}

func validateBind(m *runtimeapi.Mount, to MountTarget) error {
	switch {
	case m.HostPath == "" || !filepath.IsAbs(m.HostPath):
		return errdefs.InvalidArgument("mount %q: host_path %q must be an absolute path", m.ContainerPath, m.HostPath)
	case strings.Contains(m.HostPath, ":") || strings.Contains(m.ContainerPath, ":"):
		return errdefs.InvalidArgument("mount %q: paths containing ':' cannot be expressed to Docker", m.ContainerPath)
	case len(m.UidMappings) > 0 || len(m.GidMappings) > 0:
		return errdefs.InvalidArgument("mount %q: id-mapped mounts are not supported by Docker Engine", m.ContainerPath)
	case m.Propagation < runtimeapi.MountPropagation_PROPAGATION_PRIVATE || m.Propagation > runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL:
		return errdefs.InvalidArgument("mount %q: unknown propagation %d", m.ContainerPath, m.Propagation)
	}
	if !m.RecursiveReadOnly {
		return nil
	}
	// The rules of api.proto (and critest): recursive read-only needs
	// read-only and private propagation.
	if !m.Readonly {
		return errdefs.InvalidArgument("mount %q: recursive_read_only needs readonly", m.ContainerPath)
	}
	if m.Propagation != runtimeapi.MountPropagation_PROPAGATION_PRIVATE {
		return errdefs.InvalidArgument("mount %q: recursive_read_only needs private propagation", m.ContainerPath)
	}
	if m.SelinuxRelabel {
		return errdefs.InvalidArgument("mount %q: recursive_read_only cannot be combined with SELinux relabelling on Docker Engine", m.ContainerPath)
	}
	return to.Engine.requireRecursiveReadOnly(m.ContainerPath, to.Runtime)
}

// propagations maps CRI's propagation to Docker's. Private is left to
// Docker (bindPropagation): Docker refuses an explicit rprivate for a source
// that contains its data root ("/" for a hostexec pod, /var/lib for a
// node agent) and gives such a bind rslave, so that a container cannot pin
// mounts under the data root that Docker must later unmount; elsewhere its
// default is rprivate. dockershim did the same.
var propagations = map[runtimeapi.MountPropagation]mount.Propagation{
	runtimeapi.MountPropagation_PROPAGATION_PRIVATE:           mount.PropagationRPrivate,
	runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER: mount.PropagationRSlave,
	runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL:     mount.PropagationRShared,
}

// bindPropagation is the propagation to ask Docker for: none for private
// (Docker's default, see propagations).
func bindPropagation(m *runtimeapi.Mount) mount.Propagation {
	if m.Propagation == runtimeapi.MountPropagation_PROPAGATION_PRIVATE {
		return ""
	}
	return propagations[m.Propagation]
}

// bindString is the bind form: "host:container:rw|ro[,Z],propagation".
func bindString(m *runtimeapi.Mount) string {
	opts := []string{"rw"}
	if m.Readonly {
		opts[0] = "ro"
	}
	if m.SelinuxRelabel {
		opts = append(opts, "Z")
	}
	if p := bindPropagation(m); p != "" {
		opts = append(opts, string(p))
	}
	return filepath.Clean(m.HostPath) + ":" + path.Clean(m.ContainerPath) + ":" + strings.Join(opts, ",")
}

// bindMount is the mount-API form of a read-only bind, with ro options
// (only used from API 1.44, which has CreateMountpoint since 1.42).
func bindMount(m *runtimeapi.Mount, ro mount.BindOptions) mount.Mount {
	ro.Propagation = bindPropagation(m)
	if ro.ReadOnlyForceRecursive {
		// Recursive read-only is private by CRI's rules (validateBind).
		ro.Propagation = mount.PropagationRPrivate
	}
	ro.CreateMountpoint = true
	return mount.Mount{
		Type:        mount.TypeBind,
		Source:      filepath.Clean(m.HostPath),
		Target:      path.Clean(m.ContainerPath),
		ReadOnly:    true,
		BindOptions: &ro,
	}
}

// imageMount mounts another image's file system (KEP-4639 image volumes),
// read-only, optionally only its image_sub_path.
func imageMount(m *runtimeapi.Mount, eng EngineFeatures) (mount.Mount, error) {
	if err := eng.requireImageMounts(m.ContainerPath); err != nil {
		return mount.Mount{}, err
	}
	out := mount.Mount{Type: mount.TypeImage, Source: m.Image.Image, Target: path.Clean(m.ContainerPath), ReadOnly: true}
	if sub := m.ImageSubPath; sub != "" {
		if path.IsAbs(sub) || slices.Contains(strings.Split(sub, "/"), "..") || strings.ContainsRune(sub, 0) {
			return mount.Mount{}, errdefs.InvalidArgument("mount %q: image_sub_path %q must be a relative path inside the image", m.ContainerPath, sub)
		}
		out.ImageOptions = &mount.ImageOptions{Subpath: path.Clean(sub)}
	}
	return out, nil
}

// MountsFromInspect reports a container's bind and image mounts back as
// CRI mounts.
func MountsFromInspect(points []container.MountPoint) []*runtimeapi.Mount {
	var out []*runtimeapi.Mount
	for _, p := range points {
		switch p.Type {
		case mount.TypeBind:
		case mount.TypeImage:
			out = append(out, &runtimeapi.Mount{ContainerPath: p.Destination, Readonly: true, Image: &runtimeapi.ImageSpec{Image: p.Source}})
			continue
		default:
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

// cdiDevices asks the engine for CDI devices by their fully qualified
// names (vendor.com/class=name), resolved by the engine's CDI registry.
func cdiDevices(devs []*runtimeapi.CDIDevice, eng EngineFeatures) ([]container.DeviceRequest, error) {
	if len(devs) == 0 {
		return nil, nil
	}
	if err := eng.requireCDI(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(devs))
	for _, d := range devs {
		if err := validCDIName(d.GetName()); err != nil {
			return nil, err
		}
		names = append(names, d.GetName())
	}
	return []container.DeviceRequest{{Driver: "cdi", DeviceIDs: names}}, nil
}

// validCDIName checks the form vendor/class=name of a CDI device name.
func validCDIName(name string) error {
	kind, dev, ok := strings.Cut(name, "=")
	vendor, class, ok2 := strings.Cut(kind, "/")
	if !ok || !ok2 || vendor == "" || class == "" || dev == "" || strings.ContainsAny(name, " \t\n,") {
		return errdefs.InvalidArgument("CDI device %q: want a fully qualified name vendor.com/class=name", name)
	}
	return nil
}
