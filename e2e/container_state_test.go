package e2e

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestStartContainerInStoppedSandbox: a state conflict is
// FailedPrecondition, not AlreadyExists.
func TestStartContainerInStoppedSandbox(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	id, _ := createContainer(t, d, sb, sbCfg)
	if err := d.runtime.StopPodSandbox(testCtx(t), sb); err != nil {
		t.Fatal(err)
	}
	err := d.runtime.StartContainer(testCtx(t), id)
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("StartContainer in a stopped sandbox: %v, want FailedPrecondition", err)
	}
}

// TestContainerFromImageIDReportsTag: kubelet creates containers from the
// image id; the status names the image by its tag and keeps what the user
// wrote.
func TestContainerFromImageIDReportsTag(t *testing.T) {
	d := startDaemon(t)
	sb, sbCfg := runSandbox(t, d)
	img, err := dockerCli.ImageInspect(testCtx(t), busyboxImage)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := createContainer(t, d, sb, sbCfg, func(c *containerConfig) {
		c.Image = &runtimeapi.ImageSpec{Image: img.ID, UserSpecifiedImage: "busybox-as-written"}
	})
	st := containerStatus(t, d, id)
	if st.GetImage().GetImage() != busyboxImage || st.GetImage().GetUserSpecifiedImage() != "busybox-as-written" || st.GetImageId() != img.ID {
		t.Fatalf("image %q, user-specified %q, id %q", st.GetImage().GetImage(), st.GetImage().GetUserSpecifiedImage(), st.GetImageId())
	}
	if _, ok := st.GetLabels()["io.dockercri.image.user-specified"]; ok {
		t.Fatal("internal label leaked into the CRI labels")
	}
}
