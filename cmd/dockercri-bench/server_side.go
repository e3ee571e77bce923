package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// rpcHistogram is the metric in which dockercri times every CRI call at
// its gRPC boundary (from request decoded to response produced).
const rpcHistogram = "dockercri_grpc_request_duration_seconds"

// serverSide is dockercri's own timing of one CRI method over a scenario,
// read from its histogram: bucket upper bounds, so "≤".
type serverSide struct {
	Method      string  `json:"method"`
	N           uint64  `json:"n"`
	P50LeMs     float64 `json:"p50_le_ms"`
	P99LeMs     float64 `json:"p99_le_ms"`
	ShareLe05Ms float64 `json:"share_le_0_5_ms"`
}

// buckets are one method's cumulative bucket counts by upper bound.
type buckets map[float64]uint64

// freeLoopbackAddr returns a loopback address with a port free right now.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// scrapeRPCBuckets reads every method's buckets from dockercri's /metrics.
func scrapeRPCBuckets(ctx context.Context, addr string) (map[string]buckets, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]buckets{}
	mf := families[rpcHistogram]
	if mf == nil {
		return out, nil
	}
	for _, m := range mf.GetMetric() {
		method := labelValue(m, "method")
		b := buckets{}
		for _, bk := range m.GetHistogram().GetBucket() {
			b[bk.GetUpperBound()] = bk.GetCumulativeCount()
		}
		b[math.Inf(1)] = m.GetHistogram().GetSampleCount()
		out[method] = b
	}
	return out, nil
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// serverSideBetween summarises what each method did between two scrapes.
func serverSideBetween(before, after map[string]buckets, methods []string) []serverSide {
	var out []serverSide
	for _, method := range methods {
		a := after[method]
		if a == nil {
			continue
		}
		diff := buckets{}
		for le, n := range a {
			diff[le] = n - before[method][le]
		}
		total := diff[math.Inf(1)]
		if total == 0 {
			continue
		}
		out = append(out, serverSide{
			Method: method, N: total,
			P50LeMs:     quantileBound(diff, total, 0.50) * 1000,
			P99LeMs:     quantileBound(diff, total, 0.99) * 1000,
			ShareLe05Ms: round3(float64(diff[0.0005]) / float64(total)),
		})
	}
	return out
}

// quantileBound is the smallest bucket bound holding at least q of total.
func quantileBound(b buckets, total uint64, q float64) float64 {
	best := math.Inf(1)
	for le, n := range b {
		if float64(n) >= q*float64(total) && le < best {
			best = le
		}
	}
	return best
}

func formatBound(ms float64) string {
	if math.IsInf(ms, 1) {
		return "inf"
	}
	return strconv.FormatFloat(ms, 'f', -1, 64)
}
