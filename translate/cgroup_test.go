package translate

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCgroupParent(t *testing.T) {
	tests := []struct {
		name   string
		parent string
		driver string
		want   string
	}{
		{"empty systemd", "", "systemd", ""},
		{"empty cgroupfs", "", "cgroupfs", ""},
		{"cgroupfs to systemd", "/kubepods/burstable/pod123", "systemd", "kubepods-burstable-pod123.slice"},
		{"cgroupfs besteffort to systemd", "/kubepods/besteffort/podab-cd", "systemd", "kubepods-besteffort-podab_cd.slice"},
		{"relative path to systemd", "kubepods/pod1", "systemd", "kubepods-pod1.slice"},
		{"unclean path to systemd", "//kubepods/./burstable//", "systemd", "kubepods-burstable.slice"},
		{"root to systemd", "/", "systemd", "-.slice"},
		{"kubelet systemd path to slice", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0820b55f_21ea.slice", "systemd", "kubepods-besteffort-pod0820b55f_21ea.slice"},
		{"kubelet guaranteed pod path to slice", "/kubepods.slice/kubepods-pod12.slice", "systemd", "kubepods-pod12.slice"},
		{"top slice path to slice", "/kubepods.slice", "systemd", "kubepods.slice"},
		{"unclean slice path to slice", "kubepods.slice//kubepods-pod1.slice/", "systemd", "kubepods-pod1.slice"},
		{"slice stays slice", "kubepods-burstable-pod123.slice", "systemd", "kubepods-burstable-pod123.slice"},
		{"systemd to cgroupfs", "kubepods-burstable-pod123.slice", "cgroupfs", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod123.slice"},
		{"single slice to cgroupfs", "kubepods.slice", "cgroupfs", "/kubepods.slice"},
		{"root slice to cgroupfs", "-.slice", "cgroupfs", "/"},
		{"unknown driver treated as cgroupfs", "kubepods.slice", "", "/kubepods.slice"},
		{"path stays path", "/kubepods/burstable/pod123", "cgroupfs", "/kubepods/burstable/pod123"},
		{"path ending .slice stays path", "/system.slice/kubepods.slice", "cgroupfs", "/system.slice/kubepods.slice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, CgroupParent(tt.parent, tt.driver))
		})
	}
}

func TestCgroupParentIdempotent(t *testing.T) {
	inputs := []string{"", "/", "/kubepods/burstable/pod1", "kubepods-burstable-pod1.slice", "-.slice", "a-b.slice",
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice"}
	for _, driver := range []string{"systemd", "cgroupfs"} {
		for _, in := range inputs {
			t.Run(driver+":"+in, func(t *testing.T) {
				once := CgroupParent(in, driver)
				assert.Equal(t, once, CgroupParent(once, driver))
			})
		}
	}
}
