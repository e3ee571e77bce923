package stats

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// readSmall reads a whole small pseudo-file (cgroupfs, /proc) with plain
// system calls. os.Open hands every file to the runtime's poller, and
// kernfs files (all of cgroupfs) accept that, so each read of a cgroup
// file cost an epoll_ctl pair as well: a quarter of ListContainerStats'
// CPU at 100 pods, measured with pprof.
func readSmall(path string) ([]byte, error) {
	fd, err := openRetry(path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, 512)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

func openRetry(path string) (int, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if !errors.Is(err, unix.EINTR) {
			return fd, err
		}
	}
}
