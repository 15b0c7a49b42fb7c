package testutil

import (
	"slices"
	"testing"
	"time"
)

// Paired runs sdk and baseline alternately once per benchmark iteration,
// timing each call, and reports the ratio of their median call times as
// the metric "x-baseline" (robust against a busy machine: both sides see
// the same load, and medians ignore the outliers). ns/op is the time of
// one sdk call plus one baseline call. It returns the ratio.
func Paired(b *testing.B, sdk, baseline func() error) float64 {
	b.Helper()
	var ts, tb []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if err := sdk(); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if err := baseline(); err != nil {
			b.Fatal(err)
		}
		ts = append(ts, mid.Sub(start))
		tb = append(tb, time.Since(mid))
	}
	slices.Sort(ts)
	slices.Sort(tb)
	ratio := float64(ts[len(ts)/2]) / float64(tb[len(tb)/2])
	b.ReportMetric(ratio, "x-baseline")
	b.ReportMetric(float64(ts[len(ts)/2].Nanoseconds()), "sdk-median-ns")
	b.ReportMetric(float64(tb[len(tb)/2].Nanoseconds()), "baseline-median-ns")
	return ratio
}
