package translate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

func TestContainerSpecMissingHostCaps(t *testing.T) {
	host := HostLimits{CgroupDriver: "cgroupfs", MinOOMScoreAdj: -1000, MissingCaps: []string{"CAP_SYS_RESOURCE", "CAP_SYS_MODULE"}}
	tests := []struct {
		name       string
		privileged bool
		add        []string
		wantErr    bool
	}{
		{"nothing asked", false, nil, false},
		{"available cap", false, []string{"NET_ADMIN"}, false},
		{"missing cap", false, []string{"SYS_RESOURCE"}, true},
		{"missing cap with prefix", false, []string{"CAP_SYS_MODULE"}, true},
		{"missing cap lowercase", false, []string{"sys_resource"}, true},
		{"ALL", false, []string{"all"}, true},
		{"privileged", true, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := newContainerConfig(withContainerSecurity(func(sc *runtimeapi.LinuxContainerSecurityContext) {
				sc.Privileged = tt.privileged
				sc.Capabilities = &runtimeapi.Capability{AddCapabilities: tt.add}
			}))
			opts := defaultContainerOptions()
			opts.Host = host
			spec, err := ContainerSpec(cfg, newSandboxConfig(), opts)
			if !tt.wantErr {
				require.NoError(t, err)
				return
			}
			assert.Nil(t, spec)
			assert.ErrorIs(t, err, errdefs.ErrFailedPrecondition)
		})
	}
}

func TestSandboxSpecMissingHostCaps(t *testing.T) {
	opts := defaultSandboxOptions()
	opts.Host.MissingCaps = []string{"CAP_SYS_RESOURCE"}
	_, err := SandboxSpec(newSandboxConfig(), opts)
	require.NoError(t, err)

	priv := newSandboxConfig(withSandboxSecurity(func(sc *runtimeapi.LinuxSandboxSecurityContext) { sc.Privileged = true }))
	_, err = SandboxSpec(priv, opts)
	assert.ErrorIs(t, err, errdefs.ErrFailedPrecondition)

	opts.Host.MissingCaps = nil
	spec, err := SandboxSpec(priv, opts)
	require.NoError(t, err)
	assert.True(t, spec.HostConfig.Privileged)
}
