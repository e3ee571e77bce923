package translate

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMakeLabels(t *testing.T) {
	got := MakeLabels(
		map[string]string{"io.kubernetes.pod.name": "web", "app": "x"},
		map[string]string{"kubernetes.io/config.seen": "now", "app": "from-annotation"},
		map[string]string{LabelType: TypeContainer, LabelSandboxID: "abc"},
	)
	assert.Equal(t, map[string]string{
		"io.kubernetes.pod.name":               "web",
		"app":                                  "x",
		"annotation.kubernetes.io/config.seen": "now",
		"annotation.app":                       "from-annotation",
		LabelType:                              TypeContainer,
		LabelSandboxID:                         "abc",
	}, got)
}

func TestMakeLabelsInternalWins(t *testing.T) {
	got := MakeLabels(map[string]string{LabelType: "spoofed"}, nil, map[string]string{LabelType: TypeSandbox})
	assert.Equal(t, TypeSandbox, got[LabelType], "a CRI label must not override dockercri's own")
}

func TestSplitLabelsRoundTrip(t *testing.T) {
	tests := []struct {
		name        string
		labels      map[string]string
		annotations map[string]string
		internal    map[string]string
	}{
		{"empty", map[string]string{}, map[string]string{}, nil},
		{"labels only", map[string]string{"a": "1", "io.kubernetes.container.name": "app"}, map[string]string{}, map[string]string{LabelType: TypeContainer}},
		{"annotations only", map[string]string{}, map[string]string{"x/y": "z", "empty": ""}, map[string]string{LabelType: TypeSandbox}},
		{"all internal", map[string]string{"a": "b"}, map[string]string{"c": "d"}, map[string]string{LabelType: TypeContainer, LabelSandboxID: "id", LabelLogPath: "/l"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			labels, annotations := SplitLabels(MakeLabels(tt.labels, tt.annotations, tt.internal))
			assert.Equal(t, tt.labels, labels)
			assert.Equal(t, tt.annotations, annotations)
		})
	}
}

func TestSplitLabelsDropsInternal(t *testing.T) {
	labels, annotations := SplitLabels(map[string]string{
		LabelType: TypeContainer, LabelSandboxID: "id", LabelLogPath: "/var/log/x.log",
		"annotation.": "empty key", "keep": "me",
	})
	assert.Equal(t, map[string]string{"keep": "me"}, labels)
	assert.Equal(t, map[string]string{"": "empty key"}, annotations)
}

func TestMatchSelector(t *testing.T) {
	labels := map[string]string{"app": "web", "tier": "front", "empty": ""}
	tests := []struct {
		name     string
		selector map[string]string
		want     bool
	}{
		{"nil selector", nil, true},
		{"empty selector", map[string]string{}, true},
		{"one match", map[string]string{"app": "web"}, true},
		{"all match", map[string]string{"app": "web", "tier": "front"}, true},
		{"empty value present", map[string]string{"empty": ""}, true},
		{"value differs", map[string]string{"app": "db"}, false},
		{"key missing", map[string]string{"zone": "a"}, false},
		{"missing key with empty value", map[string]string{"zone": ""}, false},
		{"one of two fails", map[string]string{"app": "web", "tier": "back"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, MatchSelector(tt.selector, labels))
		})
	}
}

func TestWithoutInherited(t *testing.T) {
	image := map[string]string{"maintainer": "x", "version": "1", LabelType: TypeContainer}
	tests := []struct {
		name   string
		labels map[string]string
		want   map[string]string
	}{
		{"nil labels", nil, map[string]string{}},
		{"inherited dropped", map[string]string{"maintainer": "x", "app": "web"}, map[string]string{"app": "web"}},
		{"changed value kept", map[string]string{"version": "2"}, map[string]string{"version": "2"}},
		{"internal kept even if the image has it", map[string]string{LabelType: TypeContainer}, map[string]string{LabelType: TypeContainer}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WithoutInherited(tt.labels, image)
			assert.Equal(t, tt.want, got)
		})
	}
	in := map[string]string{"maintainer": "x"}
	_ = WithoutInherited(in, image)
	assert.Equal(t, map[string]string{"maintainer": "x"}, in, "the input map is not changed")
}
