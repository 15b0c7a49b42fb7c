package engine

import (
	"context"
	"errors"
	"math"
	"net/http"
	"testing"
	"time"
)

func TestBackoffDistribution(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy()
	for n := 1; n <= 8; n++ {
		ceil := min(time.Second<<(n-1), 16*time.Second)
		var maxSeen time.Duration
		for range 2000 {
			d := p.backoff(n)
			if d < 0 || d >= ceil {
				t.Fatalf("backoff(%d) = %v, want in [0, %v)", n, d, ceil)
			}
			maxSeen = max(maxSeen, d)
		}
		// Full jitter spreads over the whole range.
		if maxSeen < ceil/2 {
			t.Errorf("backoff(%d) never exceeded %v in 2000 draws (max %v)", n, ceil/2, maxSeen)
		}
	}
}

// TestBackoffHugeCap: with a cap near the largest Duration, doubling the
// ceiling must saturate at the cap instead of overflowing into a zero or
// negative wait (which would turn retries into a hot loop).
func TestBackoffHugeCap(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{MaxRetries: 100, BaseDelay: time.Second, MaxDelay: math.MaxInt64}.WithDefaults()
	for _, n := range []int{30, 34, 35, 40, 64, 65, 100} {
		var maxSeen time.Duration
		for range 64 {
			d := p.backoff(n)
			if d < 0 {
				t.Fatalf("backoff(%d) = %v", n, d)
			}
			maxSeen = max(maxSeen, d)
		}
		if maxSeen < time.Second<<27 { // a quarter of the smallest ceiling tested (n=30)
			t.Errorf("backoff(%d): largest of 64 draws is %v; the ceiling collapsed", n, maxSeen)
		}
	}
}

func TestSleepContextStopsAtCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- SleepContext(ctx, time.Hour) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("SleepContext ignored the cancellation")
	}
	if err := SleepContext(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if err := SleepContext(context.Background(), time.Microsecond); err != nil {
		t.Fatal(err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"0": 0, "1": time.Second, " 2 ": 2 * time.Second, "1.5": 1500 * time.Millisecond,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		got, ok := ParseRetryAfter(in, now)
		if !ok || got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "soon", "NaN", "1e9", "Inf"} {
		if _, ok := ParseRetryAfter(in, now); ok {
			t.Errorf("ParseRetryAfter(%q) accepted", in)
		}
	}
}

func TestAbortedErrorMessage(t *testing.T) {
	t.Parallel()
	last := &APIError{Operation: "GetWorkspace", StatusCode: 429, Code: "Too Many Requests", Description: "slow down", api: "tlpartner"}
	e := &abortedError{api: "tlpartner", op: "GetWorkspace", ctxErr: context.Canceled, last: last}
	want := "tlpartner: GetWorkspace: context canceled (last attempt: 429 Too Many Requests: slow down)"
	if e.Error() != want {
		t.Fatalf("got %q, want %q", e.Error(), want)
	}
	if !errors.Is(e, context.Canceled) || !errors.Is(e, ErrRateLimited) {
		t.Fatal("abortedError must match both causes")
	}
	e = &abortedError{api: "publicapi", op: "GetChat", ctxErr: context.DeadlineExceeded, last: &requestError{api: "publicapi", op: "GetChat", err: errors.New("connection reset")}}
	want = "publicapi: GetChat: context deadline exceeded (last attempt: connection reset)"
	if e.Error() != want {
		t.Fatalf("got %q, want %q", e.Error(), want)
	}
}
