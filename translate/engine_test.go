package translate

import (
	"testing"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/system"
	"github.com/stretchr/testify/assert"
)

const runcFeatures = `{"ociVersionMin":"1.0.0","ociVersionMax":"1.2.1","mountOptions":["async","bind","ro","rro","rbind"]}`

func TestEngineFeaturesOf(t *testing.T) {
	info29 := system.Info{
		ServerVersion:  "29.8.1",
		DefaultRuntime: "runc",
		Driver:         "overlayfs",
		DriverStatus:   [][2]string{{"driver-type", "io.containerd.snapshotter.v1"}},
		CDISpecDirs:    []string{"/etc/cdi", "/var/run/cdi"},
		Runtimes: map[string]system.RuntimeWithStatus{
			"runc": {Status: map[string]string{ociFeaturesKey: runcFeatures}},
			"old":  {Status: map[string]string{ociFeaturesKey: `{"mountOptions":["ro"]}`}},
			"bad":  {Status: map[string]string{ociFeaturesKey: `{`}},
			"none": {},
		},
	}
	info2010 := system.Info{
		ServerVersion: "20.10.24", DefaultRuntime: "runc",
		DriverStatus: [][2]string{{"Backing Filesystem", "extfs"}},
		Runtimes:     map[string]system.RuntimeWithStatus{"runc": {}},
	}
	tests := []struct {
		name      string
		v         types.Version
		info      system.Info
		kernelRRO bool
		want      EngineFeatures
	}{
		{"docker 29: API capped at the client's 1.51", types.Version{Version: "29.8.1", APIVersion: "1.56"}, info29, true, EngineFeatures{
			Version: "29.8.1", APIVersion: "1.51", ContainerdStore: true, Snapshotter: "overlayfs", CDI: true, RecursiveReadOnly: map[string]bool{"runc": true}, DefaultRuntime: "runc",
		}},
		{"docker 29 on an old kernel", types.Version{Version: "29.8.1", APIVersion: "1.56"}, info29, false, EngineFeatures{
			Version: "29.8.1", APIVersion: "1.51", ContainerdStore: true, Snapshotter: "overlayfs", CDI: true, RecursiveReadOnly: map[string]bool{}, DefaultRuntime: "runc",
		}},
		{"docker 20.10", types.Version{Version: "20.10.24+dfsg1", APIVersion: "1.41"}, info2010, true, EngineFeatures{
			Version: "20.10.24+dfsg1", APIVersion: "1.41", RecursiveReadOnly: map[string]bool{}, DefaultRuntime: "runc",
		}},
		{"version from info when missing", types.Version{APIVersion: "1.43"}, system.Info{ServerVersion: "24.0.7"}, true, EngineFeatures{
			Version: "24.0.7", APIVersion: "1.43", RecursiveReadOnly: map[string]bool{},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EngineFeaturesOf(tt.v, tt.info, tt.kernelRRO)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEngineFeatureGates(t *testing.T) {
	tests := []struct {
		api                         string
		nonRecursiveRO, imageMounts bool
	}{
		{"1.41", false, false},
		{"1.43", false, false},
		{"1.44", true, false},
		{"1.48", true, true},
		{"1.51", true, true},
		{"2.0", true, true},
		{"", false, false},
		{"bogus", false, false},
	}
	for _, tt := range tests {
		f := EngineFeatures{APIVersion: tt.api}
		assert.Equal(t, tt.nonRecursiveRO, f.NonRecursiveReadOnlyOption(), tt.api)
		assert.Equal(t, tt.imageMounts, f.requireImageMounts("/x") == nil, tt.api)
	}
}

func TestCompareAPI(t *testing.T) {
	assert.Equal(t, 0, compareAPI("1.41", "1.41"))
	assert.Equal(t, -1, compareAPI("1.9", "1.41"))
	assert.Equal(t, 1, compareAPI("1.100", "1.41"))
	assert.Equal(t, 1, compareAPI("2.0", "1.99"))
	assert.Equal(t, -1, compareAPI("", "1.0"))
	assert.Equal(t, 0, compareAPI("x", ""))
}
