package network

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Pod annotations carrying traffic shaping limits (bits per second,
// Kubernetes quantity syntax such as "10M").
const (
	IngressBandwidthAnnotation = "kubernetes.io/ingress-bandwidth"
	EgressBandwidthAnnotation  = "kubernetes.io/egress-bandwidth"
)

// BandwidthFromAnnotations reads the pod's bandwidth annotations.
func BandwidthFromAnnotations(ann map[string]string) (Bandwidth, error) {
	var b Bandwidth
	var err error
	if v, ok := ann[IngressBandwidthAnnotation]; ok {
		if b.IngressRate, err = parseQuantity(v); err != nil {
			return b, fmt.Errorf("%s: %w", IngressBandwidthAnnotation, err)
		}
	}
	if v, ok := ann[EgressBandwidthAnnotation]; ok {
		if b.EgressRate, err = parseQuantity(v); err != nil {
			return b, fmt.Errorf("%s: %w", EgressBandwidthAnnotation, err)
		}
	}
	return b, nil
}

var quantitySuffixes = []struct {
	suffix string
	mult   float64
}{
	{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"Pi", 1 << 50},
	{"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"m", 1e-3},
}

// parseQuantity reads a positive Kubernetes quantity ("10M", "1.5Gi",
// "500k") as an integer.
func parseQuantity(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := 1.0
	for _, q := range quantitySuffixes {
		if strings.HasSuffix(s, q.suffix) {
			s, mult = strings.TrimSuffix(s, q.suffix), q.mult
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%q is not a positive quantity", s)
	}
	n := v * mult
	if n >= math.MaxInt64 || n < 1 {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return int64(n), nil
}
