package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func withSecurity(edit func(sc *runtimeapi.LinuxContainerSecurityContext)) containerOpt {
	return func(c *containerConfig) {
		if c.Linux == nil {
			c.Linux = &runtimeapi.LinuxContainerConfig{}
		}
		if c.Linux.SecurityContext == nil {
			c.Linux.SecurityContext = &runtimeapi.LinuxContainerSecurityContext{}
		}
		edit(c.Linux.SecurityContext)
	}
}

// hostLacksCapabilities reads the test process's own bounding set, which is
// the one dockerd and runc have on this machine.
func hostLacksCapabilities(t *testing.T) bool {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	require.NoError(t, err)
	defer f.Close()
	last, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	require.NoError(t, err)
	n, err := strconv.Atoi(strings.TrimSpace(string(last)))
	require.NoError(t, err)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapBnd:"); ok {
			bnd, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			require.NoError(t, err)
			return bnd != (uint64(1)<<(n+1))-1
		}
	}
	t.Fatal("no CapBnd")
	return false
}

// TestPrivilegedOnRestrictedHost: where runc cannot grant every capability,
// a privileged container is refused up front with FailedPrecondition (not a
// runc error at start); elsewhere it runs with the full capability set.
func TestPrivilegedOnRestrictedHost(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	cfg := newContainerConfig(sbCfg)
	withSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) { sc.Privileged = true })(cfg)
	withShell("grep CapEff /proc/self/status")(cfg)
	if !hostLacksCapabilities(t) {
		id := runContainer(t, d, sb, sbCfg, withSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) { sc.Privileged = true }),
			withShell("grep CapEff /proc/self/status"))
		assert.NotContains(t, containerOutput(t, d, id), "0000000000000000")
		return
	}
	_, err := d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
	require.Error(t, err)
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	assert.Contains(t, err.Error(), "CAP_SYS_RESOURCE")

	_, err = d.runtime.CreateContainer(testCtx(t), sb, newContainerConfigWith(sbCfg,
		withSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
			sc.Capabilities = &runtimeapi.Capability{AddCapabilities: []string{"SYS_RESOURCE"}}
		})), sbCfg)
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	if names := dockerNamesWith(t, "_"+sbCfg.Metadata.Uid+"_"); len(names) != 1 {
		t.Fatalf("refused containers must not reach docker; pod has %v", names)
	}
}

func newContainerConfigWith(sbCfg *runtimeapi.PodSandboxConfig, opts ...containerOpt) *runtimeapi.ContainerConfig {
	cfg := newContainerConfig(sbCfg)
	for _, o := range opts {
		o(cfg)
	}
	return cfg
}

func TestNoNewPrivsAndSeccomp(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	status := `grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status`
	plain := runContainer(t, d, sb, sbCfg, withShell(status))
	hardened := runContainer(t, d, sb, sbCfg, withShell(status), withSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
		sc.NoNewPrivs = true
		sc.Seccomp = &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault}
	}))
	assert.Equal(t, "NoNewPrivs:\t0\nSeccomp:\t0", containerOutput(t, d, plain), "no profile means unconfined")
	assert.Equal(t, "NoNewPrivs:\t1\nSeccomp:\t2", containerOutput(t, d, hardened), "RuntimeDefault means Docker's filter")
}

// TestSeccompLocalhostProfile loads a profile from the host that denies
// mkdir with EPERM.
func TestSeccompLocalhostProfile(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	profile := filepath.Join(t.TempDir(), "deny-mkdir.json")
	require.NoError(t, os.WriteFile(profile, []byte(`{
		"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]
	}`), 0o644))
	id := runContainer(t, d, sb, sbCfg, withShell(`mkdir /tmp/x 2>/dev/null && echo made || echo denied`),
		withSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
			sc.Seccomp = &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: profile}
		}))
	assert.Equal(t, "denied", containerOutput(t, d, id))

	cfg := newContainerConfigWith(sbCfg, withSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
		sc.Seccomp = &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: "/nonexistent/profile.json"}
	}))
	_, err := d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
	assert.Equal(t, codes.InvalidArgument, statusCode(err), "%v", err)
}

func statusCode(err error) codes.Code { return status.Code(err) }

func TestMaskedAndReadonlyPaths(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	script := `wc -c < /proc/version; (touch /etc/dockercri-probe) 2>/dev/null && echo writable || echo ro`
	plain := runContainer(t, d, sb, sbCfg, withShell(script))
	id := runContainer(t, d, sb, sbCfg, withShell(script),
		withSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
			sc.MaskedPaths = []string{"/proc/version"}
			sc.ReadonlyPaths = []string{"/etc"}
		}))
	assert.Regexp(t, "^[1-9][0-9]*\nwritable$", containerOutput(t, d, plain), "defaults: /proc/version readable, /etc writable by root")
	assert.Equal(t, "0\nro", containerOutput(t, d, id))
}

func TestRunAsUserGroupAndSupplementalGroups(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id := runContainer(t, d, sb, sbCfg, withShell(`id -u; id -g; id -G`),
		withSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
			sc.RunAsUser = &runtimeapi.Int64Value{Value: 1000}
			sc.RunAsGroup = &runtimeapi.Int64Value{Value: 2000}
			sc.SupplementalGroups = []int64{3000, 4000}
		}))
	assert.Equal(t, "1000\n2000\n2000 3000 4000", containerOutput(t, d, id))
}
