package translate

import (
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// LocalhostPrefix marks a Localhost profile reference in the older
// "localhost/<path>" form.
const LocalhostPrefix = "localhost/"

func applySandboxSecurity(c *container.Config, h *container.HostConfig, sc *runtimeapi.LinuxSandboxSecurityContext, host HostLimits, seccomp map[string][]byte) error {
	if sc == nil {
		h.SecurityOpt = append(h.SecurityOpt, "seccomp=unconfined")
		return nil
	}
	if err := host.checkCaps(sc.Privileged, nil); err != nil {
		return err
	}
	if sc.RunAsGroup != nil && sc.RunAsUser == nil {
		return errdefs.InvalidArgument("run_as_group requires run_as_user")
	}
	h.Privileged = sc.Privileged
	h.ReadonlyRootfs = sc.ReadonlyRootfs
	c.User = userString(sc.RunAsUser, sc.RunAsGroup, "")
	h.GroupAdd = groupStrings(sc.SupplementalGroups)
	opts, err := securityOpts(sc.Seccomp, sc.Apparmor, sc.SelinuxOptions, seccomp)
	if err != nil {
		return err
	}
	h.SecurityOpt = append(h.SecurityOpt, opts...)
	return nil
}

func applyContainerSecurity(c *container.Config, h *container.HostConfig, sc *runtimeapi.LinuxContainerSecurityContext, host HostLimits, seccomp map[string][]byte) error {
	if sc == nil {
		h.SecurityOpt = append(h.SecurityOpt, "seccomp=unconfined")
		return nil
	}
	if err := host.checkCaps(sc.Privileged, sc.GetCapabilities().GetAddCapabilities()); err != nil {
		return err
	}
	if sc.RunAsGroup != nil && sc.RunAsUser == nil && sc.RunAsUsername == "" {
		return errdefs.InvalidArgument("run_as_group requires run_as_user or run_as_username")
	}
	h.Privileged = sc.Privileged
	h.ReadonlyRootfs = sc.ReadonlyRootfs
	c.User = userString(sc.RunAsUser, sc.RunAsGroup, sc.RunAsUsername)
	h.GroupAdd = groupStrings(sc.SupplementalGroups)
	if caps := sc.Capabilities; caps != nil {
		if len(caps.AddAmbientCapabilities) > 0 {
			return errdefs.InvalidArgument("add_ambient_capabilities is not supported by Docker Engine")
		}
		h.CapAdd = append(h.CapAdd, caps.AddCapabilities...)
		h.CapDrop = append(h.CapDrop, caps.DropCapabilities...)
	}
	if len(sc.MaskedPaths) > 0 {
		h.MaskedPaths = sc.MaskedPaths
	}
	if len(sc.ReadonlyPaths) > 0 {
		h.ReadonlyPaths = sc.ReadonlyPaths
	}
	apparmor, err := ContainerApparmor(sc)
	if err != nil {
		return err
	}
	opts, err := securityOpts(sc.Seccomp, apparmor, sc.SelinuxOptions, seccomp)
	if err != nil {
		return err
	}
	if sc.NoNewPrivs {
		opts = append(opts, "no-new-privileges")
	}
	h.SecurityOpt = append(h.SecurityOpt, opts...)
	return nil
}

// userString renders Docker's "user[:group]".
func userString(uid, gid *runtimeapi.Int64Value, username string) string {
	user := username
	if uid != nil {
		user = strconv.FormatInt(uid.Value, 10)
	}
	if gid != nil && user != "" {
		user += ":" + strconv.FormatInt(gid.Value, 10)
	}
	return user
}

func groupStrings(gids []int64) []string {
	if len(gids) == 0 {
		return nil
	}
	out := make([]string, len(gids))
	for i, g := range gids {
		out[i] = strconv.FormatInt(g, 10)
	}
	return out
}

func securityOpts(seccomp, apparmor *runtimeapi.SecurityProfile, se *runtimeapi.SELinuxOption, profiles map[string][]byte) ([]string, error) {
	var opts []string
	s, err := seccompOpt(seccomp, profiles)
	if err != nil {
		return nil, err
	}
	if s != "" {
		opts = append(opts, s)
	}
	a, err := apparmorOpt(apparmor)
	if err != nil {
		return nil, err
	}
	if a != "" {
		opts = append(opts, a)
	}
	return append(opts, selinuxOpts(se)...), nil
}

// seccompOpt: no profile means unconfined (as dockershim and containerd do
// for a pod that names none); RuntimeDefault is Docker's default profile.
func seccompOpt(p *runtimeapi.SecurityProfile, profiles map[string][]byte) (string, error) {
	switch {
	case p == nil || p.ProfileType == runtimeapi.SecurityProfile_Unconfined:
		return "seccomp=unconfined", nil
	case p.ProfileType == runtimeapi.SecurityProfile_RuntimeDefault:
		return "", nil
	case p.ProfileType == runtimeapi.SecurityProfile_Localhost:
		path := SeccompLocalhostPath(p)
		if path == "" {
			return "", errdefs.InvalidArgument("seccomp Localhost profile needs localhost_ref")
		}
		body, ok := profiles[path]
		if !ok {
			return "", errdefs.InvalidArgument("seccomp profile %q was not loaded", path)
		}
		return "seccomp=" + string(body), nil
	}
	return "", errdefs.InvalidArgument("unknown seccomp profile type %d", p.ProfileType)
}

// SeccompLocalhostPath is the host path of a Localhost seccomp profile, or ""
// when p is not one.
func SeccompLocalhostPath(p *runtimeapi.SecurityProfile) string {
	if p == nil || p.ProfileType != runtimeapi.SecurityProfile_Localhost {
		return ""
	}
	return strings.TrimPrefix(p.LocalhostRef, LocalhostPrefix)
}

// ContainerApparmor is the AppArmor profile a container asks for: the
// apparmor field, else the deprecated apparmor_profile string
// ("runtime/default", "unconfined", "localhost/<name>"), which CRI clients
// such as critest still send alone. nil is the runtime's default.
func ContainerApparmor(sc *runtimeapi.LinuxContainerSecurityContext) (*runtimeapi.SecurityProfile, error) {
	if sc.GetApparmor() != nil {
		return sc.GetApparmor(), nil
	}
	switch p := sc.GetApparmorProfile(); {
	case p == "" || p == "runtime/default":
		return nil, nil
	case p == "unconfined":
		return &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Unconfined}, nil
	case strings.HasPrefix(p, LocalhostPrefix) && len(p) > len(LocalhostPrefix):
		return &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: p}, nil
	default:
		return nil, errdefs.InvalidArgument("apparmor_profile %q: want runtime/default, unconfined or localhost/<name>", p)
	}
}

// ApparmorLocalhostName is the name of the Localhost AppArmor profile p
// names ("" when p is not one), for the caller to check it is loaded.
func ApparmorLocalhostName(p *runtimeapi.SecurityProfile) string {
	if p == nil || p.ProfileType != runtimeapi.SecurityProfile_Localhost {
		return ""
	}
	return strings.TrimPrefix(p.LocalhostRef, LocalhostPrefix)
}

func apparmorOpt(p *runtimeapi.SecurityProfile) (string, error) {
	switch {
	case p == nil || p.ProfileType == runtimeapi.SecurityProfile_RuntimeDefault:
		return "", nil
	case p.ProfileType == runtimeapi.SecurityProfile_Unconfined:
		return "apparmor=unconfined", nil
	case p.ProfileType == runtimeapi.SecurityProfile_Localhost:
		name := ApparmorLocalhostName(p)
		if name == "" {
			return "", errdefs.InvalidArgument("apparmor Localhost profile needs localhost_ref")
		}
		return "apparmor=" + name, nil
	}
	return "", errdefs.InvalidArgument("unknown apparmor profile type %d", p.ProfileType)
}

func selinuxOpts(se *runtimeapi.SELinuxOption) []string {
	if se == nil {
		return nil
	}
	var out []string
	for _, kv := range [][2]string{{"user", se.User}, {"role", se.Role}, {"type", se.Type}, {"level", se.Level}} {
		if kv[1] != "" {
			out = append(out, "label="+kv[0]+":"+kv[1])
		}
	}
	return out
}
