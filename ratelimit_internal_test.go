package tlpartner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// limiterSecret is the Partner Secret of the limiter tests; it must never
// show up in their logs.
const limiterSecret = "rl-secret-never-logged-0123456789"

// fakeClock is a manually advanced clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// takeWaits returns the waits recorded since the last call.
func (s *fakeSleeper) takeWaits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.waits
	s.waits = nil
	return w
}

// limitedClient returns a client with the limiter configured through
// WithRateLimit, answering from statuses ("200", "429", "503"; the last one
// repeats), and counting the requests that reached the transport.
func limitedClient(t *testing.T, opts []Option, statuses ...string) (*Client, *atomic.Int64) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	var calls atomic.Int64
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		n := calls.Add(1)
		status := map[string]int{"200": 200, "429": 429, "503": 503}[statuses[min(int(n), len(statuses))-1]]
		body := `{"workspace_id":"w","display_name":"w"}`
		if status != 200 {
			body = `{"error":"Too Many Requests","message":"Rate limit exceeded. Please retry after a short delay."}`
		}
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	})
	base := []Option{WithBaseURL("https://x.test/v1"), WithHTTPClient(&http.Client{Transport: mt}), WithMaxRetries(0)}
	c, err := NewClient("p", limiterSecret, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if c.limiter == nil {
		t.Fatal("WithRateLimit did not install a limiter")
	}
	return c, &calls
}

// withFakeTime makes the client's limiter and sleeper use a fake clock.
func withFakeTime(c *Client) (*fakeClock, *fakeSleeper) {
	clock := newFakeClock()
	s := &fakeSleeper{clock: clock}
	c.limiter.now = clock.now
	c.sleep = s.sleep
	return clock, s
}

func near(got, want time.Duration) bool {
	d := got - want
	return d >= -time.Nanosecond && d <= time.Microsecond
}

func TestRateLimitBurstThenPace(t *testing.T) {
	t.Parallel()
	c, calls := limitedClient(t, []Option{WithRateLimit(10, 3)}, "200")
	clock, s := withFakeTime(c)
	ctx := context.Background()
	get := func() {
		t.Helper()
		if _, err := c.GetWorkspace(ctx, "w"); err != nil {
			t.Fatal(err)
		}
	}

	for range 3 {
		get()
	}
	if w := s.takeWaits(); len(w) != 0 {
		t.Fatalf("the burst of 3 waited: %v", w)
	}
	// The 4th and 5th requests each wait one token interval (1/10 s).
	for i := 4; i <= 5; i++ {
		get()
		if w := s.takeWaits(); len(w) != 1 || !near(w[0], 100*time.Millisecond) {
			t.Fatalf("request %d waited %v, want [100ms]", i, w)
		}
	}
	// Half an interval later, the next one waits the other half.
	clock.advance(50 * time.Millisecond)
	get()
	if w := s.takeWaits(); len(w) != 1 || !near(w[0], 50*time.Millisecond) {
		t.Fatalf("waited %v, want [50ms]", w)
	}
	// An idle second refills the bucket to its capacity, not beyond.
	clock.advance(time.Second)
	for range 3 {
		get()
	}
	if w := s.takeWaits(); len(w) != 0 {
		t.Fatalf("the refilled burst waited: %v", w)
	}
	get()
	if w := s.takeWaits(); len(w) != 1 || !near(w[0], 100*time.Millisecond) {
		t.Fatalf("waited %v after the refilled burst, want [100ms]", w)
	}
	if n := calls.Load(); n != 10 {
		t.Fatalf("requests sent = %d, want 10", n)
	}
}

// captureHandler keeps the text of every log record.
type captureHandler struct {
	mu  sync.Mutex
	buf bytes.Buffer
	h   slog.Handler
}

func newCaptureLogger() (*slog.Logger, *captureHandler) {
	ch := &captureHandler{}
	ch.h = slog.NewTextHandler(&ch.buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(ch), ch
}

func (c *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (c *captureHandler) Handle(ctx context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.h.Handle(ctx, r)
}
func (c *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *captureHandler) WithGroup(string) slog.Handler      { return c }
func (c *captureHandler) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// TestRateLimitRetriesConsumeTokens: every attempt, retries included, takes
// a token, and the wait is logged at Debug without secrets.
func TestRateLimitRetriesConsumeTokens(t *testing.T) {
	t.Parallel()
	logger, logs := newCaptureLogger()
	// BaseDelay 1ns makes every backoff 0, so only limiter waits are
	// non-zero.
	policy := RetryPolicy{MaxRetries: 2, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond}
	c, calls := limitedClient(t, []Option{WithRateLimit(1, 2), WithRetryPolicy(policy), WithLogger(logger)}, "429", "429", "200")
	_, s := withFakeTime(c)

	if _, err := c.GetWorkspace(context.Background(), "w"); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("attempts = %d, want 3", n)
	}
	var limiterWaits []time.Duration
	for _, w := range s.takeWaits() {
		if w != 0 {
			limiterWaits = append(limiterWaits, w)
		}
	}
	// Attempts 1 and 2 use the burst of 2; attempt 3 waits 1s.
	if len(limiterWaits) != 1 || !near(limiterWaits[0], time.Second) {
		t.Fatalf("limiter waits = %v, want [1s]", limiterWaits)
	}
	out := logs.String()
	if !strings.Contains(out, `msg="tlpartner: rate limit wait" op=GetWorkspace method=GET path=/v1/workspaces/w attempt=3 wait=1s`) {
		t.Errorf("no Debug record of the wait of attempt 3 in:\n%s", out)
	}
	if strings.Count(out, "rate limit wait") != 1 {
		t.Errorf("want exactly one wait record:\n%s", out)
	}
	if strings.Contains(out, limiterSecret) || strings.Contains(out, "Bearer") || strings.Contains(out, "eyJ") {
		t.Errorf("secret or token in logs:\n%s", out)
	}
}

// TestRateLimitCancelWhileWaiting: cancelling during the wait returns
// context.Canceled without sending, and the token is given back.
func TestRateLimitCancelWhileWaiting(t *testing.T) {
	t.Parallel()
	c, calls := limitedClient(t, []Option{WithRateLimit(1, 1)}, "200")
	_, s := withFakeTime(c)
	if _, err := c.GetWorkspace(context.Background(), "w"); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.onSleep = cancel
	_, err := c.GetWorkspace(ctx, "w")
	s.onSleep = nil
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if want := "tlpartner: GetWorkspace: rate limit wait: context canceled"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("requests sent = %d, want 1 (nothing sent after the cancel)", n)
	}
	if w := s.takeWaits(); len(w) != 1 || !near(w[0], time.Second) {
		t.Fatalf("waits = %v, want [1s]", w)
	}
	// The cancelled call returned its token: the next call waits one
	// interval, not two.
	if _, err := c.GetWorkspace(context.Background(), "w"); err != nil {
		t.Fatal(err)
	}
	if w := s.takeWaits(); len(w) != 1 || !near(w[0], time.Second) {
		t.Fatalf("wait after the cancelled call = %v, want [1s]", w)
	}
}

// TestRateLimitCancelRealSleep uses the real sleeper: with one token per
// hour, a call that has to wait returns as soon as its context is
// cancelled.
func TestRateLimitCancelRealSleep(t *testing.T) {
	t.Parallel()
	c, calls := limitedClient(t, []Option{WithRateLimit(1.0/3600, 1)}, "200")
	waiting := make(chan time.Duration, 1)
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waiting <- d
		return sleepContext(ctx, d)
	}
	if _, err := c.GetWorkspace(context.Background(), "w"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.GetWorkspace(ctx, "w")
		done <- err
	}()
	if d := <-waiting; d < 59*time.Minute {
		t.Fatalf("wait = %v, want about 1h", d)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the call kept waiting after its context was cancelled")
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("requests sent = %d, want 1", n)
	}
}

// TestRateLimitDeadlineShorterThanWait: a wait that would outlast the
// deadline is not started; the error matches context.DeadlineExceeded
// before the deadline has passed, and the token is given back.
func TestRateLimitDeadlineShorterThanWait(t *testing.T) {
	t.Parallel()
	c, calls := limitedClient(t, []Option{WithRateLimit(1.0/3600, 1)}, "200")
	clock, s := withFakeTime(c)
	if _, err := c.GetWorkspace(context.Background(), "w"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.GetWorkspace(ctx, "w")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if !strings.HasPrefix(err.Error(), "tlpartner: GetWorkspace: rate limit wait of 1h0m0s would exceed the context deadline") {
		t.Errorf("err = %q", err)
	}
	if ctx.Err() != nil {
		t.Fatal("returned only after the deadline")
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("requests sent = %d, want 1", n)
	}
	if w := s.takeWaits(); len(w) != 0 {
		t.Fatalf("slept %v although the deadline was too close", w)
	}
	// The token came back: an hour later the bucket is full again.
	clock.advance(time.Hour)
	if _, err := c.GetWorkspace(context.Background(), "w"); err != nil {
		t.Fatal(err)
	}
	if w := s.takeWaits(); len(w) != 0 {
		t.Fatalf("waited %v, want no wait", w)
	}
}

// TestRateLimitDeadlineOnRetry: when the limiter stops a retry, the error
// keeps the last attempt's failure next to the context error.
func TestRateLimitDeadlineOnRetry(t *testing.T) {
	t.Parallel()
	policy := RetryPolicy{MaxRetries: 2, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond}
	c, calls := limitedClient(t, []Option{WithRateLimit(1.0/3600, 1), WithRetryPolicy(policy)}, "429", "200")
	withFakeTime(c)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.GetWorkspace(ctx, "w")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want both context.DeadlineExceeded and ErrRateLimited", err)
	}
	if !strings.Contains(err.Error(), "(last attempt: 429") {
		t.Errorf("err = %q, want the last attempt described", err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("requests sent = %d, want 1", n)
	}
}

// TestRateLimitConcurrentClient: many goroutines share one client with a
// frozen fake clock, so no token is ever refilled after the burst. Every
// request beyond the burst must be given its own, distinct slot: the sorted
// waits are exactly 1, 2, 3, ... token intervals.
func TestRateLimitConcurrentClient(t *testing.T) {
	t.Parallel()
	const (
		rate, burst      = 25, 10
		goroutines, each = 20, 10
	)
	c, calls := limitedClient(t, []Option{WithRateLimit(rate, burst)}, "200")
	clock := newFakeClock()
	c.limiter.now = clock.now
	fs := &fakeSleeper{} // records the waits without advancing the clock
	c.sleep = fs.sleep

	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for range goroutines {
		wg.Go(func() {
			for range each {
				if _, err := c.GetWorkspace(context.Background(), "w"); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := calls.Load(); n != goroutines*each {
		t.Fatalf("requests sent = %d, want %d", n, goroutines*each)
	}
	waits := slices.Clone(fs.waits)
	slices.Sort(waits)
	if len(waits) != goroutines*each-burst {
		t.Fatalf("%d requests waited, want %d", len(waits), goroutines*each-burst)
	}
	for i, w := range waits {
		want := time.Duration(i+1) * time.Second / rate
		if !near(w, want) {
			t.Fatalf("wait #%d = %v, want %v (two requests shared a token?)", i+1, w, want)
		}
	}
}

// TestRateLimiterConcurrentWindow: goroutines reserve tokens while the
// clock runs (it advances a little on every read). The grant times must
// respect the bucket in every window (at most burst + rate·T grants within
// T), and the limiter must not be slower than the rate.
func TestRateLimiterConcurrentWindow(t *testing.T) {
	t.Parallel()
	const (
		rate, burst      = 30.0, 10
		goroutines, each = 16, 40
		step             = time.Millisecond // clock advance per read; far below 1/rate
	)
	l := newRateLimiter(&rateLimitConfig{perSecond: rate, burst: burst})
	start := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	var reads atomic.Int64
	l.now = func() time.Time { return start.Add(time.Duration(reads.Add(1)) * step) }

	grants := make([][]time.Time, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for range each {
				now, wait := l.reserve()
				if wait < 0 {
					t.Errorf("negative wait %v", wait)
				}
				grants[g] = append(grants[g], now.Add(wait))
			}
		})
	}
	wg.Wait()
	all := slices.Concat(grants...)
	slices.SortFunc(all, func(a, b time.Time) int { return a.Compare(b) })
	n := len(all)
	if n != goroutines*each {
		t.Fatalf("%d grants, want %d", n, goroutines*each)
	}
	for i := range n {
		for j := i; j < n; j++ {
			allowed := burst + rate*all[j].Sub(all[i]).Seconds()
			if float64(j-i+1) > allowed+1e-9 {
				t.Fatalf("%d grants within %v, bucket allows %.3f", j-i+1, all[j].Sub(all[i]), allowed)
			}
		}
	}
	// Work-conserving: the clock runs far slower than the requests, so the
	// last grant comes (n-burst)/rate after the first reservation.
	first := start.Add(step)
	wantLast := first.Add(time.Duration(float64(n-burst) / rate * float64(time.Second)))
	if d := all[n-1].Sub(wantLast); d < -time.Microsecond || d > time.Microsecond {
		t.Fatalf("last grant at +%v, want +%v", all[n-1].Sub(first), wantLast.Sub(first))
	}
}

func TestRateLimitOptionValidation(t *testing.T) {
	t.Parallel()
	bad := []struct {
		name      string
		perSecond float64
		burst     int
		field     string
	}{
		{"zero rate", 0, 10, "rate_limit.per_second"},
		{"negative rate", -1, 10, "rate_limit.per_second"},
		{"NaN rate", math.NaN(), 10, "rate_limit.per_second"},
		{"infinite rate", math.Inf(1), 10, "rate_limit.per_second"},
		{"negative infinite rate", math.Inf(-1), 10, "rate_limit.per_second"},
		{"zero burst", 25, 0, "rate_limit.burst"},
		{"negative burst", 25, -3, "rate_limit.burst"},
	}
	for _, tc := range bad {
		_, err := NewClient("p", "s", WithRateLimit(tc.perSecond, tc.burst))
		var vErr *ValidationError
		if !errors.As(err, &vErr) || vErr.Field != tc.field {
			t.Errorf("%s: err = %v, want a ValidationError for %s", tc.name, err, tc.field)
		}
	}

	c, err := NewClient("p", "s")
	if err != nil {
		t.Fatal(err)
	}
	if c.limiter != nil {
		t.Error("a client without WithRateLimit has a limiter")
	}
	c, err = NewClient("p", "s", WithRateLimit(ServerRateLimit, ServerRateBurst), WithRateLimit(25, 10))
	if err != nil {
		t.Fatal(err)
	}
	if c.limiter == nil || c.limiter.rate != 25 || c.limiter.burst != 10 || c.limiter.tokens != 10 {
		t.Fatalf("limiter = %+v, want rate 25, burst 10, full (the last option wins)", c.limiter)
	}
	// Extreme but valid values work.
	for _, r := range []float64{1e-300, 1e300, math.SmallestNonzeroFloat64} {
		if _, err := NewClient("p", "s", WithRateLimit(r, math.MaxInt)); err != nil {
			t.Errorf("WithRateLimit(%g, MaxInt): %v", r, err)
		}
	}
}

func TestRateLimiterExtremes(t *testing.T) {
	t.Parallel()
	if d := secondsToDuration(1e300); d != math.MaxInt64 {
		t.Errorf("secondsToDuration(1e300) = %v, want saturation", d)
	}
	if d := secondsToDuration(1e-12); d != time.Nanosecond {
		t.Errorf("secondsToDuration(1e-12) = %v, want 1ns (rounded up)", d)
	}
	clock := newFakeClock()
	// One token per ~3e292 years: the second reservation saturates.
	slow := newRateLimiter(&rateLimitConfig{perSecond: 1e-300, burst: 1})
	slow.now = clock.now
	if _, w := slow.reserve(); w != 0 {
		t.Fatalf("first wait = %v", w)
	}
	if _, w := slow.reserve(); w != math.MaxInt64 {
		t.Fatalf("second wait = %v, want the largest Duration", w)
	}
	// A huge rate never waits in practice.
	fast := newRateLimiter(&rateLimitConfig{perSecond: 1e300, burst: 1})
	fast.now = clock.now
	fast.reserve()
	if _, w := fast.reserve(); w != time.Nanosecond {
		t.Fatalf("wait = %v, want 1ns", w)
	}
	// A clock going backwards adds no tokens and does not break the bucket.
	back := newRateLimiter(&rateLimitConfig{perSecond: 1, burst: 1})
	back.now = clock.now
	back.reserve()
	clock.advance(-time.Hour)
	if _, w := back.reserve(); !near(w, time.Second) {
		t.Fatalf("wait after the clock went back = %v, want 1s", w)
	}
}

// TestNoLimiterNoAllocs: without WithRateLimit the request path does not
// touch the limiter code at all.
func TestNoLimiterNoAllocs(t *testing.T) {
	c, err := NewClient("p", "s")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://x.test/v1/workspaces/w", nil)
	allocs := testing.AllocsPerRun(100, func() {
		if err := c.waitForRateLimit(context.Background(), "GetWorkspace", req, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("allocs = %v, want 0", allocs)
	}
	// Neither with a limiter that has tokens left.
	c2, err := NewClient("p", "s", WithRateLimit(1, 1e6))
	if err != nil {
		t.Fatal(err)
	}
	allocs = testing.AllocsPerRun(100, func() {
		if err := c2.waitForRateLimit(context.Background(), "GetWorkspace", req, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("allocs with a limiter = %v, want 0", allocs)
	}
}
