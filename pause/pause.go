// Package pause provides dockercri's built-in sandbox ("pause") image, so that
// running a pod never needs a registry.
//
// The image holds one file, /pause: a tiny static Linux program, assembled by
// hand (no libc) and wrapped here into an ELF executable at run time. As PID 1
// of a pod sandbox it blocks SIGINT, SIGTERM and SIGCHLD and waits for them
// with rt_sigtimedwait: on SIGCHLD it reaps every exited child with
// wait4(-1, WNOHANG), on SIGINT or SIGTERM it exits with status 0. Blocked
// signals are queued even for a pid-namespace init, so it needs no handlers.
// The assembly sources and the recipe to regenerate the machine code are in
// testdata/pause_amd64.S and testdata/pause_arm64.S.
package pause

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
)

// DefaultImage is the reference of the built-in sandbox image. When the
// configured sandbox image is this one and dockerd lacks it, dockercri imports
// RootfsTar instead of pulling.
const DefaultImage = "localhost/dockercri/pause:1"

// Entrypoint is the path of the pause program inside the image; import
// RootfsTar with the change `ENTRYPOINT ["/pause"]`.
const Entrypoint = "/pause"

// ErrUnsupportedArch is returned (wrapped) by Binary and RootfsTar for a
// GOARCH they have no machine code for.
var ErrUnsupportedArch = errors.New("pause: unsupported architecture")

// sigset is the kernel sigset_t (8 bytes) the program blocks and waits for:
// bit signo-1 for SIGINT (2), SIGTERM (15) and SIGCHLD (17). The same numbers
// hold on amd64 and arm64.
const sigset uint64 = 1<<(2-1) | 1<<(15-1) | 1<<(17-1)

// loadAddr is where the whole file is mapped: one read+execute PT_LOAD segment
// from file offset 0, so the code starts at loadAddr+headersSize.
const loadAddr = 0x400000

// headersSize is the ELF header plus the one program header.
const headersSize = 64 + 56

type arch struct {
	machine elf.Machine
	align   uint64 // p_align: the largest page size the arch uses
	code    []byte // followed directly by sigset, which the code addresses relatively
}

var arches = map[string]arch{
	"amd64": {machine: elf.EM_X86_64, align: 0x1000, code: amd64Code},
	"arm64": {machine: elf.EM_AARCH64, align: 0x10000, code: arm64Code},
}

// Binary returns the pause program for goarch ("amd64" or "arm64") as a
// static ELF64 executable. The error wraps ErrUnsupportedArch for any other
// goarch.
func Binary(goarch string) ([]byte, error) {
	a, ok := arches[goarch]
	if !ok {
		return nil, fmt.Errorf("%w %q (have amd64, arm64)", ErrUnsupportedArch, goarch)
	}
	size := uint64(headersSize + len(a.code) + 8)
	hdr := elf.Header64{
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(a.machine),
		Version:   uint32(elf.EV_CURRENT),
		Entry:     loadAddr + headersSize,
		Phoff:     64,
		Ehsize:    64,
		Phentsize: 56,
		Phnum:     1,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	hdr.Ident[elf.EI_OSABI] = byte(elf.ELFOSABI_NONE)
	prog := elf.Prog64{
		Type:   uint32(elf.PT_LOAD),
		Flags:  uint32(elf.PF_R | elf.PF_X),
		Off:    0,
		Vaddr:  loadAddr,
		Paddr:  loadAddr,
		Filesz: size,
		Memsz:  size,
		Align:  a.align,
	}
	var buf bytes.Buffer
	buf.Grow(int(size))
	// Writes to a bytes.Buffer of fixed-size values cannot fail.
	_ = binary.Write(&buf, binary.LittleEndian, &hdr)
	_ = binary.Write(&buf, binary.LittleEndian, &prog)
	buf.Write(a.code)
	_ = binary.Write(&buf, binary.LittleEndian, sigset)
	if uint64(buf.Len()) != size {
		panic(fmt.Sprintf("pause: built %d bytes, want %d", buf.Len(), size))
	}
	return buf.Bytes(), nil
}
