package shim

import (
	"context"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
)

// ImageFsInfo reports the filesystem that holds Docker's data root (images
// and container layers): its used bytes and inodes.
func (s *Service) ImageFsInfo(ctx context.Context, _ *runtimeapi.ImageFsInfoRequest) (*runtimeapi.ImageFsInfoResponse, error) {
	root, err := s.dockerRoot(ctx)
	if err != nil {
		return nil, err
	}
	if root == "" {
		return nil, errdefs.FailedPrecondition("docker info reports no data root")
	}
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		// Docker's data root is not visible to dockercri (a container
		// without the host's /var/lib/docker mounted, say).
		return nil, errdefs.FailedPrecondition("statfs of docker's data root %s: %w", root, err)
	}
	used := (st.Blocks - st.Bfree) * uint64(st.Bsize)
	inodes := st.Files - st.Ffree
	usage := &runtimeapi.FilesystemUsage{
		Timestamp:  time.Now().UnixNano(),
		FsId:       &runtimeapi.FilesystemIdentifier{Mountpoint: filepath.Clean(root)},
		UsedBytes:  &runtimeapi.UInt64Value{Value: used},
		InodesUsed: &runtimeapi.UInt64Value{Value: inodes},
	}
	// Docker keeps images and containers' writable layers under the same
	// data root: report it for both, as kubelet's split-filesystem logic
	// expects when they are not split.
	return &runtimeapi.ImageFsInfoResponse{
		ImageFilesystems:     []*runtimeapi.FilesystemUsage{usage},
		ContainerFilesystems: []*runtimeapi.FilesystemUsage{usage},
	}, nil
}
