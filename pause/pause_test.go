package pause

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

func TestBinaryELF(t *testing.T) {
	tests := []struct {
		goarch  string
		machine elf.Machine
		code    []byte
	}{
		{"amd64", elf.EM_X86_64, amd64Code},
		{"arm64", elf.EM_AARCH64, arm64Code},
	}
	for _, tt := range tests {
		t.Run(tt.goarch, func(t *testing.T) {
			bin, err := Binary(tt.goarch)
			if err != nil {
				t.Fatalf("Binary(%q): %v", tt.goarch, err)
			}
			f, err := elf.NewFile(bytes.NewReader(bin))
			if err != nil {
				t.Fatalf("parse ELF: %v", err)
			}
			if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.Type != elf.ET_EXEC || f.Machine != tt.machine {
				t.Errorf("header: class %v data %v type %v machine %v, want ELFCLASS64 ELFDATA2LSB ET_EXEC %v",
					f.Class, f.Data, f.Type, f.Machine, tt.machine)
			}
			if len(f.Progs) != 1 {
				t.Fatalf("%d program headers, want 1", len(f.Progs))
			}
			p := f.Progs[0]
			if p.Type != elf.PT_LOAD || p.Flags != elf.PF_R|elf.PF_X || p.Off != 0 ||
				p.Filesz != uint64(len(bin)) || p.Memsz != p.Filesz || p.Vaddr%p.Align != 0 {
				t.Errorf("program header %+v does not map the whole %d-byte file read+execute", p.ProgHeader, len(bin))
			}
			if f.Entry != p.Vaddr+headersSize {
				t.Errorf("entry %#x, want %#x (right after the headers)", f.Entry, p.Vaddr+headersSize)
			}
			if got := bin[headersSize : len(bin)-8]; !bytes.Equal(got, tt.code) {
				t.Errorf("code section differs from %sCode", tt.goarch)
			}
			if got := binary.LittleEndian.Uint64(bin[len(bin)-8:]); got != 0x14002 {
				t.Errorf("sigset %#x, want 0x14002 (SIGINT|SIGTERM|SIGCHLD)", got)
			}
		})
	}
}

func TestUnsupportedArch(t *testing.T) {
	for _, goarch := range []string{"", "386", "arm", "riscv64", "s390x", "x86_64", "AMD64"} {
		t.Run(goarch, func(t *testing.T) {
			if bin, err := Binary(goarch); !errors.Is(err, ErrUnsupportedArch) || bin != nil {
				t.Errorf("Binary(%q) = %d bytes, %v; want nil, ErrUnsupportedArch", goarch, len(bin), err)
			}
			if tb, err := RootfsTar(goarch); !errors.Is(err, ErrUnsupportedArch) || tb != nil {
				t.Errorf("RootfsTar(%q) = %d bytes, %v; want nil, ErrUnsupportedArch", goarch, len(tb), err)
			}
		})
	}
}

func TestRootfsTar(t *testing.T) {
	for _, goarch := range []string{"amd64", "arm64"} {
		t.Run(goarch, func(t *testing.T) {
			archive, err := RootfsTar(goarch)
			if err != nil {
				t.Fatalf("RootfsTar: %v", err)
			}
			again, err := RootfsTar(goarch)
			if err != nil {
				t.Fatalf("RootfsTar (second call): %v", err)
			}
			if !bytes.Equal(archive, again) {
				t.Error("RootfsTar is not deterministic: two calls gave different archives")
			}
			bin, err := Binary(goarch)
			if err != nil {
				t.Fatalf("Binary: %v", err)
			}
			tr := tar.NewReader(bytes.NewReader(archive))
			hdr, err := tr.Next()
			if err != nil {
				t.Fatalf("first tar entry: %v", err)
			}
			if hdr.Name != "pause" || "/"+hdr.Name != Entrypoint || hdr.Typeflag != tar.TypeReg {
				t.Errorf("entry %q type %q, want regular file %q", hdr.Name, hdr.Typeflag, "pause")
			}
			if hdr.Mode != 0o755 || hdr.Uid != 0 || hdr.Gid != 0 || !hdr.ModTime.Equal(modTime) {
				t.Errorf("entry mode %o uid %d gid %d mtime %v, want 755 0 0 %v",
					hdr.Mode, hdr.Uid, hdr.Gid, hdr.ModTime, modTime)
			}
			content, err := io.ReadAll(tr)
			if err != nil {
				t.Fatalf("read entry: %v", err)
			}
			if !bytes.Equal(content, bin) {
				t.Error("entry content differs from Binary")
			}
			if hdr, err := tr.Next(); err != io.EOF {
				t.Errorf("after pause: entry %v, error %v; want io.EOF", hdr, err)
			}
		})
	}
}

// TestCodeMatchesAssembly assembles testdata/pause_<arch>.S with GNU binutils,
// when installed, and checks that Binary holds exactly those bytes.
func TestCodeMatchesAssembly(t *testing.T) {
	tests := []struct {
		goarch string
		prefix string // binutils cross prefix; plain "as" only when it is native
	}{
		{"amd64", "x86_64-linux-gnu-"},
		{"arm64", "aarch64-linux-gnu-"},
	}
	for _, tt := range tests {
		t.Run(tt.goarch, func(t *testing.T) {
			as, objcopy := tool(tt.prefix, "as", tt.goarch), tool(tt.prefix, "objcopy", tt.goarch)
			if as == "" || objcopy == "" {
				t.Skipf("%sas/%sobjcopy not installed: cannot check the bytes against testdata/pause_%s.S",
					tt.prefix, tt.prefix, tt.goarch)
			}
			dir := t.TempDir()
			obj, raw := filepath.Join(dir, "pause.o"), filepath.Join(dir, "pause.bin")
			for _, argv := range [][]string{
				{as, "-o", obj, filepath.Join("testdata", "pause_"+tt.goarch+".S")},
				{objcopy, "-O", "binary", "-j", ".text", obj, raw},
			} {
				if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
					t.Fatalf("%v: %v\n%s", argv, err, out)
				}
			}
			want, err := os.ReadFile(raw)
			if err != nil {
				t.Fatal(err)
			}
			bin, err := Binary(tt.goarch)
			if err != nil {
				t.Fatal(err)
			}
			if got := bin[headersSize:]; !bytes.Equal(got, want) {
				t.Errorf("code+sigset in Binary(%q) differs from the assembled source\n got %x\nwant %x", tt.goarch, got, want)
			}
		})
	}
}

// tool finds a binutils program: prefix+name, or plain name when goarch is
// the host's architecture.
func tool(prefix, name, goarch string) string {
	if p, err := exec.LookPath(prefix + name); err == nil {
		return p
	}
	if goarch == runtime.GOARCH {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
