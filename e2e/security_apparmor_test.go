package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestAppArmorLocalhostProfile: a Localhost AppArmor profile is applied
// whether it comes in the apparmor field or the deprecated apparmor_profile
// string (a profile that denies writes makes `touch` fail, which succeeds
// without it), and one the kernel has not loaded fails CreateContainer, as
// on containerd. Needs a kernel with AppArmor and apparmor_parser (the
// cgroup v2 guest; this VM's kernel has none).
func TestAppArmorLocalhostProfile(t *testing.T) {
	skipUnlessE2E(t)
	if b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err != nil || string(b) != "Y\n" {
		t.Skip("the kernel has no AppArmor enabled (make test-cgroupv2 runs this test in its guest)")
	}
	parser, err := exec.LookPath("apparmor_parser")
	if err != nil {
		t.Skip("apparmor_parser is not installed")
	}
	profile := "dockercri-e2e-deny-write-" + runID
	file := filepath.Join(t.TempDir(), "profile")
	require.NoError(t, os.WriteFile(file, []byte(`#include <tunables/global>
profile `+profile+` flags=(attach_disconnected) {
  #include <abstractions/base>
  file,
  deny /** w,
}
`), 0o644))
	out, err := exec.Command(parser, "-r", "-W", file).CombinedOutput()
	require.NoError(t, err, "apparmor_parser: %s", out)
	t.Cleanup(func() { _ = exec.Command(parser, "-R", file).Run() })

	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	with := func(sc *runtimeapi.LinuxContainerSecurityContext) containerOpt {
		return func(c *runtimeapi.ContainerConfig) {
			c.Linux = &runtimeapi.LinuxContainerConfig{SecurityContext: sc}
		}
	}
	field := func(name string) *runtimeapi.LinuxContainerSecurityContext {
		return &runtimeapi.LinuxContainerSecurityContext{Apparmor: &runtimeapi.SecurityProfile{
			ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: name}}
	}
	deprecated := func(name string) *runtimeapi.LinuxContainerSecurityContext {
		return &runtimeapi.LinuxContainerSecurityContext{ApparmorProfile: "localhost/" + name}
	}
	for name, sc := range map[string]*runtimeapi.LinuxContainerSecurityContext{
		"apparmor field": field(profile), "deprecated apparmor_profile": deprecated(profile),
	} {
		id := runContainer(t, d, sb, sbCfg, with(sc), withCommand("touch", "/tmp/x"))
		st := waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
		assert.NotEqual(t, int32(0), st.GetExitCode(), "%s: the profile denies the write", name)
	}
	// The same write without the profile succeeds.
	id := runContainer(t, d, sb, sbCfg, withCommand("touch", "/tmp/x"))
	st := waitContainerState(t, d, id, runtimeapi.ContainerState_CONTAINER_EXITED, time.Minute)
	assert.Equal(t, int32(0), st.GetExitCode(), "without the profile the write succeeds")
	for name, sc := range map[string]*runtimeapi.LinuxContainerSecurityContext{
		"apparmor field": field("dockercri-e2e-not-loaded"), "deprecated apparmor_profile": deprecated("dockercri-e2e-not-loaded"),
	} {
		cfg := newContainerConfigWith(sbCfg, with(sc))
		_, err := d.runtime.CreateContainer(testCtx(t), sb, cfg, sbCfg)
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%s: %v", name, err)
	}
}
