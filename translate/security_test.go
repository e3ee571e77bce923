package translate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

const testProfile = `{"defaultAction":"SCMP_ACT_ERRNO"}`

var testProfiles = map[string][]byte{"/var/lib/kubelet/seccomp/audit.json": []byte(testProfile)}

// securityCase runs once for a sandbox and once for a container.
type securityCase struct {
	name     string
	seccomp  *runtimeapi.SecurityProfile
	apparmor *runtimeapi.SecurityProfile
	selinux  *runtimeapi.SELinuxOption
	want     []string
	wantErr  error
}

var securityCases = []securityCase{
	{name: "no profiles is unconfined seccomp", want: []string{"seccomp=unconfined"}},
	{name: "seccomp unconfined", seccomp: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Unconfined}, want: []string{"seccomp=unconfined"}},
	{name: "seccomp runtime default is docker's", seccomp: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault}, want: nil},
	{name: "seccomp localhost", seccomp: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: "/var/lib/kubelet/seccomp/audit.json"}, want: []string{"seccomp=" + testProfile}},
	{name: "seccomp localhost/ prefix", seccomp: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: "localhost//var/lib/kubelet/seccomp/audit.json"}, want: []string{"seccomp=" + testProfile}},
	{name: "seccomp localhost not loaded", seccomp: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: "/other.json"}, wantErr: errdefs.ErrInvalidArgument},
	{name: "seccomp localhost without ref", seccomp: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost}, wantErr: errdefs.ErrInvalidArgument},
	{name: "seccomp unknown type", seccomp: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_ProfileType(9)}, wantErr: errdefs.ErrInvalidArgument},
	{
		name:     "apparmor runtime default adds nothing",
		seccomp:  &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault},
		apparmor: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault},
		want:     nil,
	},
	{
		name:     "apparmor unconfined",
		seccomp:  &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault},
		apparmor: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Unconfined},
		want:     []string{"apparmor=unconfined"},
	},
	{
		name:     "apparmor localhost",
		apparmor: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: "localhost/k8s-nginx"},
		want:     []string{"seccomp=unconfined", "apparmor=k8s-nginx"},
	},
	{name: "apparmor localhost without ref", apparmor: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost}, wantErr: errdefs.ErrInvalidArgument},
	{
		name:    "selinux labels in order",
		seccomp: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault},
		selinux: &runtimeapi.SELinuxOption{User: "system_u", Role: "system_r", Type: "container_t", Level: "s0:c1,c2"},
		want:    []string{"label=user:system_u", "label=role:system_r", "label=type:container_t", "label=level:s0:c1,c2"},
	},
	{
		name:    "selinux empty fields skipped",
		seccomp: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault},
		selinux: &runtimeapi.SELinuxOption{Level: "s0:c5"},
		want:    []string{"label=level:s0:c5"},
	},
}

func TestSandboxSecurityOpts(t *testing.T) {
	for _, tt := range securityCases {
		t.Run(tt.name, func(t *testing.T) {
			cfg := newSandboxConfig(withSandboxSecurity(func(sc *runtimeapi.LinuxSandboxSecurityContext) {
				sc.Seccomp, sc.Apparmor, sc.SelinuxOptions = tt.seccomp, tt.apparmor, tt.selinux
			}))
			opts := defaultSandboxOptions()
			opts.Seccomp = testProfiles
			spec, err := SandboxSpec(cfg, opts)
			if tt.wantErr != nil {
				assert.Nil(t, spec)
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, spec.HostConfig.SecurityOpt)
		})
	}
}

func TestContainerSecurityOpts(t *testing.T) {
	for _, tt := range securityCases {
		t.Run(tt.name, func(t *testing.T) {
			cfg := newContainerConfig(withContainerSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
				sc.Seccomp, sc.Apparmor, sc.SelinuxOptions = tt.seccomp, tt.apparmor, tt.selinux
			}))
			opts := defaultContainerOptions()
			opts.Seccomp = testProfiles
			spec, err := ContainerSpec(cfg, newSandboxConfig(), opts)
			if tt.wantErr != nil {
				assert.Nil(t, spec)
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, spec.HostConfig.SecurityOpt)
		})
	}
}

func i64(v int64) *runtimeapi.Int64Value { return &runtimeapi.Int64Value{Value: v} }

func TestSandboxUserAndPrivileges(t *testing.T) {
	tests := []struct {
		name      string
		sc        func(*runtimeapi.LinuxSandboxSecurityContext)
		wantUser  string
		wantGroup []string
	}{
		{"nothing", func(*runtimeapi.LinuxSandboxSecurityContext) {}, "", nil},
		{"uid", func(sc *runtimeapi.LinuxSandboxSecurityContext) { sc.RunAsUser = i64(65535) }, "65535", nil},
		{"uid and gid", func(sc *runtimeapi.LinuxSandboxSecurityContext) { sc.RunAsUser, sc.RunAsGroup = i64(1000), i64(3000) }, "1000:3000", nil},
		{"root uid", func(sc *runtimeapi.LinuxSandboxSecurityContext) { sc.RunAsUser = i64(0) }, "0", nil},
		{"supplemental groups", func(sc *runtimeapi.LinuxSandboxSecurityContext) { sc.SupplementalGroups = []int64{10, 2000} }, "", []string{"10", "2000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := SandboxSpec(newSandboxConfig(withSandboxSecurity(tt.sc)), defaultSandboxOptions())
			require.NoError(t, err)
			assert.Equal(t, tt.wantUser, spec.Config.User)
			assert.Equal(t, tt.wantGroup, spec.HostConfig.GroupAdd)
		})
	}
	spec, err := SandboxSpec(newSandboxConfig(withSandboxSecurity(func(sc *runtimeapi.LinuxSandboxSecurityContext) {
		sc.Privileged, sc.ReadonlyRootfs = true, true
	})), defaultSandboxOptions())
	require.NoError(t, err)
	assert.True(t, spec.HostConfig.Privileged)
	assert.True(t, spec.HostConfig.ReadonlyRootfs)
}

func TestContainerUser(t *testing.T) {
	tests := []struct {
		name string
		sc   func(*runtimeapi.LinuxContainerSecurityContext)
		want string
	}{
		{"image default", func(*runtimeapi.LinuxContainerSecurityContext) {}, ""},
		{"uid", func(sc *runtimeapi.LinuxContainerSecurityContext) { sc.RunAsUser = i64(1001) }, "1001"},
		{"uid and gid", func(sc *runtimeapi.LinuxContainerSecurityContext) { sc.RunAsUser, sc.RunAsGroup = i64(1001), i64(5) }, "1001:5"},
		{"username", func(sc *runtimeapi.LinuxContainerSecurityContext) { sc.RunAsUsername = "nobody" }, "nobody"},
		{"username and gid", func(sc *runtimeapi.LinuxContainerSecurityContext) {
			sc.RunAsUsername, sc.RunAsGroup = "nobody", i64(65534)
		}, "nobody:65534"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := ContainerSpec(newContainerConfig(withContainerSecurity(tt.sc)), newSandboxConfig(), defaultContainerOptions())
			require.NoError(t, err)
			assert.Equal(t, tt.want, spec.Config.User)
		})
	}
}

// api.proto: "run_as_group should only be specified when run_as_user or
// run_as_username is specified; otherwise, the runtime MUST error."
func TestContainerSpecRunAsGroupWithoutUserIsRejected(t *testing.T) {
	cfg := newContainerConfig(withContainerSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) { sc.RunAsGroup = i64(3000) }))
	spec, err := ContainerSpec(cfg, newSandboxConfig(), defaultContainerOptions())
	assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
	if spec != nil {
		assert.NotEqual(t, "0:3000", spec.Config.User, "the image's USER must not silently become root")
	}
}

// api.proto: "run_as_group should only be specified when run_as_user is
// specified; otherwise, the runtime MUST error."
func TestSandboxSpecRunAsGroupWithoutUserIsRejected(t *testing.T) {
	cfg := newSandboxConfig(withSandboxSecurity(func(sc *runtimeapi.LinuxSandboxSecurityContext) { sc.RunAsGroup = i64(3000) }))
	_, err := SandboxSpec(cfg, defaultSandboxOptions())
	assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
}

func TestContainerCapabilitiesAndPaths(t *testing.T) {
	cfg := newContainerConfig(withContainerSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
		sc.Capabilities = &runtimeapi.Capability{AddCapabilities: []string{"NET_ADMIN", "SYS_TIME"}, DropCapabilities: []string{"ALL"}}
		sc.MaskedPaths = []string{"/proc/kcore", "/proc/keys"}
		sc.ReadonlyPaths = []string{"/proc/sys"}
		sc.NoNewPrivs = true
		sc.ReadonlyRootfs = true
		sc.Privileged = true
		sc.SupplementalGroups = []int64{7}
		sc.Seccomp = &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault}
	}))
	spec, err := ContainerSpec(cfg, newSandboxConfig(), defaultContainerOptions())
	require.NoError(t, err)
	h := spec.HostConfig
	assert.Equal(t, []string{"NET_ADMIN", "SYS_TIME"}, []string(h.CapAdd))
	assert.Equal(t, []string{"ALL"}, []string(h.CapDrop))
	assert.Equal(t, []string{"/proc/kcore", "/proc/keys"}, h.MaskedPaths)
	assert.Equal(t, []string{"/proc/sys"}, h.ReadonlyPaths)
	assert.Equal(t, []string{"no-new-privileges"}, h.SecurityOpt)
	assert.True(t, h.ReadonlyRootfs)
	assert.True(t, h.Privileged)
	assert.Equal(t, []string{"7"}, h.GroupAdd)
}

func TestContainerEmptyPathListsKeepDockerDefaults(t *testing.T) {
	spec, err := ContainerSpec(newContainerConfig(), newSandboxConfig(), defaultContainerOptions())
	require.NoError(t, err)
	assert.Nil(t, spec.HostConfig.MaskedPaths, "nil lets Docker apply its default masked paths")
	assert.Nil(t, spec.HostConfig.ReadonlyPaths)
	assert.Nil(t, spec.HostConfig.CapAdd)
	assert.Nil(t, spec.HostConfig.CapDrop)
}

func TestContainerAmbientCapabilitiesRejected(t *testing.T) {
	cfg := newContainerConfig(withContainerSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
		sc.Capabilities = &runtimeapi.Capability{AddAmbientCapabilities: []string{"NET_BIND_SERVICE"}}
	}))
	spec, err := ContainerSpec(cfg, newSandboxConfig(), defaultContainerOptions())
	assert.Nil(t, spec)
	assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
}

func TestSeccompLocalhostPath(t *testing.T) {
	tests := []struct {
		name string
		p    *runtimeapi.SecurityProfile
		want string
	}{
		{"nil", nil, ""},
		{"runtime default", &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault, LocalhostRef: "/x"}, ""},
		{"absolute", &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: "/p.json"}, "/p.json"},
		{"legacy prefix", &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: "localhost//p.json"}, "/p.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, SeccompLocalhostPath(tt.p))
		})
	}
}

func TestContainerApparmor(t *testing.T) {
	localhost := func(ref string) *runtimeapi.SecurityProfile {
		return &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: ref}
	}
	tests := []struct {
		name     string
		sc       *runtimeapi.LinuxContainerSecurityContext
		want     *runtimeapi.SecurityProfile
		wantOpt  string
		wantName string
		wantErr  bool
	}{
		{name: "none", sc: nil},
		{name: "deprecated runtime/default", sc: &runtimeapi.LinuxContainerSecurityContext{ApparmorProfile: "runtime/default"}},
		{name: "deprecated unconfined", sc: &runtimeapi.LinuxContainerSecurityContext{ApparmorProfile: "unconfined"},
			want: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Unconfined}, wantOpt: "apparmor=unconfined"},
		{name: "deprecated localhost", sc: &runtimeapi.LinuxContainerSecurityContext{ApparmorProfile: "localhost/deny-write"},
			want: localhost("localhost/deny-write"), wantOpt: "apparmor=deny-write", wantName: "deny-write"},
		{name: "field wins over the deprecated string", sc: &runtimeapi.LinuxContainerSecurityContext{
			ApparmorProfile: "localhost/old", Apparmor: localhost("new")},
			want: localhost("new"), wantOpt: "apparmor=new", wantName: "new"},
		{name: "deprecated bad value", sc: &runtimeapi.LinuxContainerSecurityContext{ApparmorProfile: "enforce-it"}, wantErr: true},
		{name: "deprecated empty localhost", sc: &runtimeapi.LinuxContainerSecurityContext{ApparmorProfile: "localhost/"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ContainerApparmor(tt.sc)
			if tt.wantErr {
				assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.String(), p.String())
			opt, err := apparmorOpt(p)
			require.NoError(t, err)
			assert.Equal(t, tt.wantOpt, opt)
			assert.Equal(t, tt.wantName, ApparmorLocalhostName(p))
		})
	}
}
