package main

import (
	"fmt"
	"path/filepath"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/translate"
)

// Labels kubelet puts on every sandbox and container.
const (
	labelPodName       = "io.kubernetes.pod.name"
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelPodUID        = "io.kubernetes.pod.uid"
	labelContainerName = "io.kubernetes.container.name"
)

// Sides of every measurement.
const (
	sideCRI = "dockercri"
	sideRaw = "raw"
)

// pod is one pod as kubelet would describe it: the sandbox config and its
// single container's config.
type pod struct {
	sandbox   *runtimeapi.PodSandboxConfig
	container *runtimeapi.ContainerConfig
}

// newPod describes a fresh pod of the bench's namespace for side ("cri",
// "raw" or "duty" in its name, so the sides never collide on a Docker name).
func (b *bench) newPod(side string) *pod {
	seq := b.seq.Add(1)
	short := map[string]string{sideRaw: "raw", sideDuty: "duty"}[side]
	if short == "" {
		short = "cri"
	}
	name := fmt.Sprintf("%s-%d", short, seq)
	uid := fmt.Sprintf("%s-%s-%d", b.runID, short, seq)
	nsOpts := &runtimeapi.NamespaceOption{
		Network: runtimeapi.NamespaceMode_POD,
		Pid:     runtimeapi.NamespaceMode_CONTAINER,
		Ipc:     runtimeapi.NamespaceMode_POD,
	}
	unconfined := &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Unconfined}
	podLabels := map[string]string{labelPodName: name, labelPodNamespace: b.ns, labelPodUID: uid}
	sb := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: name, Namespace: b.ns, Uid: uid},
		Hostname:     name,
		LogDirectory: filepath.Join(b.tmp, "pods", b.ns+"_"+name+"_"+uid),
		Labels:       podLabels,
		Annotations:  map[string]string{"kubernetes.io/config.source": "api"},
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{NamespaceOptions: nsOpts, Seccomp: unconfined},
		},
	}
	ctrLabels := map[string]string{labelContainerName: "c"}
	for k, v := range podLabels {
		ctrLabels[k] = v
	}
	ctr := &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "c"},
		Image:    &runtimeapi.ImageSpec{Image: b.o.image},
		Command:  []string{"sleep"},
		Args:     []string{"3600"},
		Labels:   ctrLabels,
		Annotations: map[string]string{
			"io.kubernetes.container.restartCount":           "0",
			"io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
		},
		LogPath: "c/0.log",
		Linux: &runtimeapi.LinuxContainerConfig{
			Resources: &runtimeapi.LinuxContainerResources{CpuShares: 2, CpuPeriod: 100000, OomScoreAdj: 1000},
			SecurityContext: &runtimeapi.LinuxContainerSecurityContext{
				NamespaceOptions: nsOpts, Seccomp: unconfined,
			},
		},
	}
	return &pod{sandbox: sb, container: ctr}
}

// sandboxSpec is the Docker create spec dockercri makes for p's sandbox.
func (b *bench) sandboxSpec(p *pod) (*translate.CreateSpec, error) {
	return translate.SandboxSpec(p.sandbox, translate.SandboxOptions{
		Image:       b.sandboxImage,
		NetworkMode: b.networkMode,
		Host:        b.host,
	})
}

// containerSpec is the Docker create spec dockercri makes for p's
// container in sandbox sandboxID (whose runtime is Docker's default).
func (b *bench) containerSpec(p *pod, sandboxID string) (*translate.CreateSpec, error) {
	spec, err := translate.ContainerSpec(p.container, p.sandbox, translate.ContainerOptions{
		SandboxID: sandboxID,
		DockerLog: translate.DockerLogLimits{MaxSize: b.o.dockerLogMaxSize, MaxFile: b.o.dockerLogMaxFile},
		Host:      b.host,
	})
	if err != nil {
		return nil, err
	}
	spec.HostConfig.Runtime = b.defaultRuntime
	return spec, nil
}
