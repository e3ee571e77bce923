package hostprobe

import (
	"os"
	"path/filepath"
	"testing"
)

func TestKubeletCgroupDriver(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n": "systemd",
		"cgroupDriver: \"cgroupfs\"\n":           "cgroupfs",
		"kind: KubeletConfiguration\n":           "",
		"  nested:\n    cgroupDriver: systemd\n": "",
	}
	for body, want := range cases {
		p := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := KubeletCgroupDriver(p)
		if err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", body, got, err, want)
		}
	}
	if got, err := KubeletCgroupDriver(filepath.Join(dir, "missing")); err != nil || got != "" {
		t.Errorf("missing file: %q, %v", got, err)
	}
}
