package translate

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

func TestSandboxNameRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		meta *runtimeapi.PodSandboxMetadata
		want string
	}{
		{"simple", &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "u1", Attempt: 0}, "k8s_POD_web_default_u1_0"},
		{"dots and dashes", &runtimeapi.PodSandboxMetadata{Name: "kube-proxy-x.y", Namespace: "kube-system", Uid: "0b1c-2d3e", Attempt: 7}, "k8s_POD_kube-proxy-x.y_kube-system_0b1c-2d3e_7"},
		{"max attempt", &runtimeapi.PodSandboxMetadata{Name: "a", Namespace: "b", Uid: "c", Attempt: 4294967295}, "k8s_POD_a_b_c_4294967295"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SandboxName(tt.meta)
			assert.Equal(t, tt.want, got)
			back, err := ParseSandboxName("/" + got)
			require.NoError(t, err)
			assert.Equal(t, tt.meta.Name, back.Name)
			assert.Equal(t, tt.meta.Namespace, back.Namespace)
			assert.Equal(t, tt.meta.Uid, back.Uid)
			assert.Equal(t, tt.meta.Attempt, back.Attempt)
		})
	}
}

func TestContainerNameRoundTrip(t *testing.T) {
	sb := &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "u1", Attempt: 3}
	tests := []struct {
		name string
		meta *runtimeapi.ContainerMetadata
		want string
	}{
		{"first attempt", &runtimeapi.ContainerMetadata{Name: "app", Attempt: 0}, "k8s_app_web_default_u1_0"},
		{"restarted", &runtimeapi.ContainerMetadata{Name: "side-car.v2", Attempt: 12}, "k8s_side-car.v2_web_default_u1_12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ContainerName(sb, tt.meta)
			assert.Equal(t, tt.want, got, "container attempt, not the sandbox's, ends the name")
			back, err := ParseContainerName(got)
			require.NoError(t, err)
			assert.Equal(t, tt.meta.Name, back.Name)
			assert.Equal(t, tt.meta.Attempt, back.Attempt)
		})
	}
}

func TestParseNamesToleratesRandomSuffix(t *testing.T) {
	sb, err := ParseSandboxName("/k8s_POD_web_default_u1_4_0a1b2c3d")
	require.NoError(t, err)
	assert.Equal(t, &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "u1", Attempt: 4}, sb)

	c, err := ParseContainerName("k8s_app_web_default_u1_9_deadbeef")
	require.NoError(t, err)
	assert.Equal(t, &runtimeapi.ContainerMetadata{Name: "app", Attempt: 9}, c)
}

func TestParseSandboxNameRejects(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"not k8s", "nginx"},
		{"wrong prefix", "k9s_POD_web_default_u1_0"},
		{"too few parts", "k8s_POD_web_default_0"},
		{"too many parts", "k8s_POD_web_default_u1_0_aa_bb"},
		{"container name", "k8s_app_web_default_u1_0"},
		{"attempt not a number", "k8s_POD_web_default_u1_x"},
		{"negative attempt", "k8s_POD_web_default_u1_-1"},
		{"attempt overflows uint32", "k8s_POD_web_default_u1_4294967296"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSandboxName(tt.in)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.True(t, errors.Is(err, errdefs.ErrInvalidArgument), "error %v must be InvalidArgument", err)
		})
	}
}

func TestParseContainerNameRejects(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"not k8s", "/romantic_turing"},
		{"sandbox name", "/k8s_POD_web_default_u1_0"},
		{"sandbox name with suffix", "k8s_POD_web_default_u1_0_abcd"},
		{"too few parts", "k8s_app_web_default_1"},
		{"attempt not a number", "k8s_app_web_default_u1_one"},
		{"empty attempt", "k8s_app_web_default_u1_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseContainerName(tt.in)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}

func TestValidateSandboxMetadata(t *testing.T) {
	tests := []struct {
		name    string
		meta    *runtimeapi.PodSandboxMetadata
		wantErr bool
	}{
		{"valid", &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "8a1f-77"}, false},
		{"nil", nil, true},
		{"empty name", &runtimeapi.PodSandboxMetadata{Namespace: "default", Uid: "u"}, true},
		{"empty namespace", &runtimeapi.PodSandboxMetadata{Name: "web", Uid: "u"}, true},
		{"empty uid", &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default"}, true},
		{"underscore in name", &runtimeapi.PodSandboxMetadata{Name: "we_b", Namespace: "default", Uid: "u"}, true},
		{"underscore in namespace", &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "kube_system", Uid: "u"}, true},
		{"underscore in uid", &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "u_1"}, true},
		{"slash", &runtimeapi.PodSandboxMetadata{Name: "a/b", Namespace: "default", Uid: "u"}, true},
		{"space", &runtimeapi.PodSandboxMetadata{Name: "a b", Namespace: "default", Uid: "u"}, true},
		{"leading dash", &runtimeapi.PodSandboxMetadata{Name: "-web", Namespace: "default", Uid: "u"}, true},
		{"leading dot", &runtimeapi.PodSandboxMetadata{Name: ".web", Namespace: "default", Uid: "u"}, true},
		{"non-ascii", &runtimeapi.PodSandboxMetadata{Name: "wéb", Namespace: "default", Uid: "u"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateSandboxMetadata(tt.meta)
			if !tt.wantErr {
				require.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}

func TestValidateContainerMetadata(t *testing.T) {
	tests := []struct {
		name    string
		meta    *runtimeapi.ContainerMetadata
		wantErr bool
	}{
		{"valid", &runtimeapi.ContainerMetadata{Name: "app", Attempt: 3}, false},
		{"valid with dots", &runtimeapi.ContainerMetadata{Name: "init.db-1"}, false},
		{"lowercase pod is fine", &runtimeapi.ContainerMetadata{Name: "pod"}, false},
		{"nil", nil, true},
		{"empty", &runtimeapi.ContainerMetadata{}, true},
		{"reserved POD", &runtimeapi.ContainerMetadata{Name: "POD"}, true},
		{"underscore", &runtimeapi.ContainerMetadata{Name: "my_app"}, true},
		{"colon", &runtimeapi.ContainerMetadata{Name: "app:1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateContainerMetadata(tt.meta)
			if !tt.wantErr {
				require.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, errdefs.ErrInvalidArgument)
		})
	}
}
