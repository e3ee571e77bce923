package hostprobe

import "testing"

func TestKernelAtLeast(t *testing.T) {
	tests := []struct {
		release string
		want    bool
	}{
		{"6.1.0-27-amd64", true},
		{"5.12.0", true},
		{"5.11.22-generic", false},
		{"5.15", true},
		{"4.19.0-21-amd64", false},
		{"6.18.44-fc-v1300", true},
		{"5.12-rc1", true},
		{"", false},
		{"garbage", false},
		{"x.12", false},
	}
	for _, tt := range tests {
		if got := kernelAtLeast(tt.release, 5, 12); got != tt.want {
			t.Errorf("kernelAtLeast(%q, 5, 12) = %v, want %v", tt.release, got, tt.want)
		}
	}
}
