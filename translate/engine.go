package translate

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/docker/api"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/system"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// EngineFeatures is what the Docker Engine dockercri talks to can do. It is
// decided in one place, EngineFeaturesOf, from the negotiated API version and
// what `docker info` reports (runtime features, CDI, image store); every spec
// builder and every "not supported" error reads it from here.
type EngineFeatures struct {
	// Version is the engine's own version ("20.10.24", "29.8.1").
	Version string
	// APIVersion is the API version both sides speak: the lower of the
	// engine's and the client's.
	APIVersion string
	// ContainerdStore is true when images live in containerd's content
	// store (Docker 29's default; `docker info` DriverStatus driver-type
	// io.containerd.snapshotter.v1) rather than a graph driver.
	ContainerdStore bool
	// Snapshotter is the containerd snapshotter of the containerd image
	// store ("overlayfs"); "" with a graph driver.
	Snapshotter string
	// CDI is true when the engine resolves CDI device names
	// (DeviceRequests with driver "cdi"): it reports CDI spec directories.
	CDI bool
	// RecursiveReadOnly names the runtimes (Docker runtime names) that can
	// make a mount recursively read-only (the OCI runtime lists "rro" among
	// its mount options and the kernel has mount_setattr).
	RecursiveReadOnly map[string]bool
	// DefaultRuntime is the runtime of the empty CRI handler.
	DefaultRuntime string
}

// API versions at which Docker Engine gained what dockercri uses.
const (
	// apiBindReadOnlyOptions: BindOptions.ReadOnlyNonRecursive and
	// ReadOnlyForceRecursive (Docker 25.0). From this version on Docker
	// makes a plain read-only bind recursively read-only where it can.
	apiBindReadOnlyOptions = "1.44"
	// apiImageMounts: mounts of type "image" (Docker 28.0).
	apiImageMounts = "1.48"
)

// ociFeaturesKey is where Docker puts the OCI runtime's `features` JSON in
// the status of each runtime in `docker info`.
const ociFeaturesKey = "org.opencontainers.runtime-spec.features"

// EngineFeaturesOf decides what the engine can do from its version (the
// API version spoken is the lower of the engine's and this client's, as the
// SDK negotiates it) and `docker info`. kernelRRO says whether the host
// kernel can make mounts recursively read-only (mount_setattr, Linux 5.12+).
func EngineFeaturesOf(v types.Version, info system.Info, kernelRRO bool) EngineFeatures {
	f := EngineFeatures{
		Version:           v.Version,
		APIVersion:        v.APIVersion,
		CDI:               len(info.CDISpecDirs) > 0,
		RecursiveReadOnly: map[string]bool{},
		DefaultRuntime:    info.DefaultRuntime,
	}
	if f.Version == "" {
		f.Version = info.ServerVersion
	}
	if compareAPI(f.APIVersion, api.DefaultVersion) > 0 {
		f.APIVersion = api.DefaultVersion
	}
	for _, kv := range info.DriverStatus {
		if kv[0] == "driver-type" && strings.HasPrefix(kv[1], "io.containerd.snapshotter") {
			f.ContainerdStore, f.Snapshotter = true, info.Driver
		}
	}
	if kernelRRO && f.apiAtLeast(apiBindReadOnlyOptions) {
		for name, rt := range info.Runtimes {
			if runtimeHasMountOption(rt.Status[ociFeaturesKey], "rro") {
				f.RecursiveReadOnly[name] = true
			}
		}
	}
	return f
}

// runtimeHasMountOption reports whether the OCI runtime features document
// lists opt among its mount options.
func runtimeHasMountOption(featuresJSON, opt string) bool {
	if featuresJSON == "" {
		return false
	}
	var doc struct {
		MountOptions []string `json:"mountOptions"`
	}
	if err := json.Unmarshal([]byte(featuresJSON), &doc); err != nil {
		return false
	}
	return slices.Contains(doc.MountOptions, opt)
}

// String names the engine for messages: "Docker Engine 29.8.1 (API 1.51)".
func (f EngineFeatures) String() string {
	v := f.Version
	if v == "" {
		v = "(version unknown)"
	}
	return fmt.Sprintf("Docker Engine %s (API %s)", v, f.APIVersion)
}

// apiAtLeast reports whether the negotiated API is at least want. An
// unknown API version (engine not reached yet) counts as the oldest.
func (f EngineFeatures) apiAtLeast(want string) bool {
	return compareAPI(f.APIVersion, want) >= 0
}

// NonRecursiveReadOnlyOption reports whether read-only binds must ask for
// ReadOnlyNonRecursive to keep the CRI meaning of `readonly`.
func (f EngineFeatures) NonRecursiveReadOnlyOption() bool {
	return f.apiAtLeast(apiBindReadOnlyOptions)
}

// RuntimeRecursiveReadOnly reports whether the Docker runtime behind a CRI
// handler ("" is the engine's default runtime) supports recursive
// read-only mounts.
func (f EngineFeatures) RuntimeRecursiveReadOnly(runtime string) bool {
	if runtime == "" {
		runtime = f.DefaultRuntime
	}
	return f.RecursiveReadOnly[runtime]
}

// requireImageMounts fails when the engine cannot mount an image.
func (f EngineFeatures) requireImageMounts(containerPath string) error {
	if f.apiAtLeast(apiImageMounts) {
		return nil
	}
	return errdefs.FailedPrecondition("mount %q: image volumes need Docker Engine API %s (Docker 28.0) or newer; this is %s", containerPath, apiImageMounts, f)
}

// requireCDI fails when the engine cannot resolve CDI devices.
func (f EngineFeatures) requireCDI() error {
	if f.CDI {
		return nil
	}
	return errdefs.FailedPrecondition("CDI devices need a Docker Engine with CDI enabled (Docker 28.3 or newer, or the \"cdi\" feature; docker info lists no CDI spec directories); this is %s", f)
}

// requireRecursiveReadOnly fails when runtime cannot make a mount
// recursively read-only.
func (f EngineFeatures) requireRecursiveReadOnly(containerPath, runtime string) error {
	if f.RuntimeRecursiveReadOnly(runtime) {
		return nil
	}
	name := runtime
	if name == "" {
		name = f.DefaultRuntime
	}
	if !f.apiAtLeast(apiBindReadOnlyOptions) {
		return errdefs.FailedPrecondition("mount %q: recursive read-only mounts need Docker Engine API %s (Docker 25.0) or newer; this is %s", containerPath, apiBindReadOnlyOptions, f)
	}
	return errdefs.FailedPrecondition("mount %q: runtime %q of %s does not support recursive read-only mounts (its features list no \"rro\" mount option, or the kernel is older than 5.12)", containerPath, name, f)
}

// compareAPI compares two "major.minor" API versions; an empty or
// malformed one is the smallest.
func compareAPI(a, b string) int {
	am, an, aok := parseAPI(a)
	bm, bn, bok := parseAPI(b)
	switch {
	case !aok && !bok:
		return 0
	case !aok:
		return -1
	case !bok:
		return 1
	case am != bm:
		return cmpInt(am, bm)
	default:
		return cmpInt(an, bn)
	}
}

func parseAPI(v string) (major, minor int, ok bool) {
	maj, min, found := strings.Cut(v, ".")
	if !found {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	return a, b, err1 == nil && err2 == nil
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
