package pause

import (
	"archive/tar"
	"bytes"
	"fmt"
	"time"
)

// modTime is the fixed modification time of /pause in RootfsTar, so that the
// archive, and the image imported from it, are the same on every call.
var modTime = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// RootfsTar returns an uncompressed tar archive holding the image's only file,
// /pause (Binary(goarch), mode 0755, owned by 0:0, fixed mtime). It is meant
// for Docker's image import with the change `ENTRYPOINT ["/pause"]` (see
// Entrypoint). The output is byte-for-byte deterministic. The error wraps
// ErrUnsupportedArch for a goarch Binary does not support.
func RootfsTar(goarch string) ([]byte, error) {
	bin, err := Binary(goarch)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     Entrypoint[1:],
		Mode:     0o755,
		Uid:      0,
		Gid:      0,
		Uname:    "root",
		Gname:    "root",
		Size:     int64(len(bin)),
		ModTime:  modTime,
		Format:   tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("pause: write tar header: %w", err)
	}
	if _, err := tw.Write(bin); err != nil {
		return nil, fmt.Errorf("pause: write tar entry: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("pause: close tar: %w", err)
	}
	return buf.Bytes(), nil
}
