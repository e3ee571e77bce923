package shim

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/dockercri/dockercri/internal/errdefs"
	"github.com/dockercri/dockercri/translate"
)

// ImageFsInfo reports the filesystem that holds images and containers'
// writable layers (imageFsRoot): the bytes images take there, the bytes
// and inodes the filesystem holds.
func (s *Service) ImageFsInfo(ctx context.Context, _ *runtimeapi.ImageFsInfoRequest) (*runtimeapi.ImageFsInfoResponse, error) {
	root, err := s.imageFsRoot(ctx)
	if err != nil {
		return nil, err
	}
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		// Not visible to dockercri (a container without the host's
		// /var/lib/docker or /var/lib/containerd mounted, say).
		return nil, errdefs.FailedPrecondition("statfs of the image filesystem %s: %w", root, err)
	}
	images, err := s.imagesBytes(ctx)
	if err != nil {
		return nil, err
	}
	// Images and containers' writable layers live on the same filesystem
	// (the data root, or containerd's snapshotter), as kubelet expects when
	// they are not split: the image filesystem reports the bytes the images
	// take there, the container filesystem what the filesystem holds.
	now := time.Now().UnixNano()
	fsID := &runtimeapi.FilesystemIdentifier{Mountpoint: filepath.Clean(root)}
	inodes := &runtimeapi.UInt64Value{Value: st.Files - st.Ffree}
	return &runtimeapi.ImageFsInfoResponse{
		ImageFilesystems: []*runtimeapi.FilesystemUsage{{
			Timestamp: now, FsId: fsID, UsedBytes: &runtimeapi.UInt64Value{Value: images}, InodesUsed: inodes,
		}},
		ContainerFilesystems: []*runtimeapi.FilesystemUsage{{
			Timestamp: now, FsId: fsID, UsedBytes: &runtimeapi.UInt64Value{Value: (st.Blocks - st.Bfree) * uint64(st.Bsize)}, InodesUsed: inodes,
		}},
	}, nil
}

// imageFsRoot is the directory whose filesystem holds images and
// containers' writable layers: Docker's data root with a graph driver;
// with the containerd image store, containerd's snapshotter root, as seen
// in a running container's root overlay, else under --containerd-root.
func (s *Service) imageFsRoot(ctx context.Context) (string, error) {
	root, err := s.dockerRoot(ctx)
	if err != nil {
		return "", err
	}
	eng := s.hostLimits().Engine
	if !eng.ContainerdStore {
		if root == "" {
			return "", errdefs.FailedPrecondition("docker info reports no data root")
		}
		return root, nil
	}
	if r := s.stats.snapshotterRoot(); r != "" {
		return r, nil
	}
	if r := s.learnSnapshotterRoot(ctx); r != "" {
		return r, nil
	}
	dir := filepath.Join(s.cfg.ContainerdRoot, "io.containerd.snapshotter.v1."+eng.Snapshotter)
	if _, err := os.Stat(dir); err != nil {
		return "", errdefs.FailedPrecondition("%s keeps images in containerd's %s snapshotter, but %s is not there (set --containerd-root to containerd's root): %w",
			eng, eng.Snapshotter, dir, err)
	}
	return dir, nil
}

// learnSnapshotterRoot finds the snapshotter root in the root overlay of a
// running CRI container ("" when none runs or none shows it).
func (s *Service) learnSnapshotterRoot(ctx context.Context) string {
	list, err := s.engine.ListContainers(ctx, translate.LabelType)
	if err != nil {
		return ""
	}
	for _, c := range list {
		if c.State != "running" {
			continue
		}
		in, err := s.inspectCached(ctx, c.ID)
		if err != nil {
			continue
		}
		s.stats.locate(&in)
		if r := s.stats.snapshotterRoot(); r != "" {
			return r
		}
	}
	return ""
}
