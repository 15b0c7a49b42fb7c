package tlpartner

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// fakeSleeper records requested waits instead of sleeping. With clock set,
// a wait that is not cut short by the context advances the clock by the
// wait, as a real sleep would.
type fakeSleeper struct {
	clock *fakeClock
	mu    sync.Mutex
	waits []time.Duration
	// onSleep, if set, runs inside the sleep (e.g. to cancel the context).
	onSleep func()
}

func (f *fakeSleeper) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	hook := f.onSleep
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.clock != nil {
		f.clock.advance(d)
	}
	return nil
}

// newSleeperClient returns a client whose HTTP answers come from statuses
// (with optional Retry-After values) and whose waits are recorded.
func newSleeperClient(t *testing.T, policy RetryPolicy, answers ...[2]string) (*Client, *fakeSleeper, *int) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	var mu sync.Mutex
	calls := 0
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		a := answers[min(calls, len(answers)-1)]
		calls++
		mu.Unlock()
		status := map[string]int{"200": 200, "429": 429, "503": 503}[a[0]]
		body := `{"workspace_id":"w","token":"t"}`
		if status != 200 {
			body = `{"error":"Too Many Requests","message":"slow down"}`
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: req}
		if a[1] != "" {
			resp.Header.Set("Retry-After", a[1])
		}
		return resp, nil
	})
	c, err := NewClient("p", "s", WithBaseURL("https://x.test/v1"), WithHTTPClient(&http.Client{Transport: mt}), WithRetryPolicy(policy))
	if err != nil {
		t.Fatal(err)
	}
	fs := &fakeSleeper{}
	c.sleep = fs.sleep
	return c, fs, &calls
}

func TestRetryAfterHonouredAndCapped(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		retryAfter string
		want       time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"fraction", "0.25", 250 * time.Millisecond},
		{"capped at default 16s", "120", 16 * time.Second},
		{"http date capped", time.Now().Add(10 * time.Minute).UTC().Format(http.TimeFormat), 16 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, fs, calls := newSleeperClient(t, DefaultRetryPolicy(), [2]string{"429", tc.retryAfter}, [2]string{"200", ""})
			if _, err := c.GetPublicAPIToken(context.Background(), "w"); err != nil {
				t.Fatal(err)
			}
			if *calls != 2 {
				t.Fatalf("calls = %d, want 2", *calls)
			}
			if len(fs.waits) != 1 || fs.waits[0] != tc.want {
				t.Fatalf("waits = %v, want [%v]", fs.waits, tc.want)
			}
		})
	}
	t.Run("custom cap", func(t *testing.T) {
		t.Parallel()
		p := DefaultRetryPolicy()
		p.MaxRetryAfter = 2 * time.Second
		c, fs, _ := newSleeperClient(t, p, [2]string{"429", "10"}, [2]string{"200", ""})
		if _, err := c.GetPublicAPIToken(context.Background(), "w"); err != nil {
			t.Fatal(err)
		}
		if len(fs.waits) != 1 || fs.waits[0] != 2*time.Second {
			t.Fatalf("waits = %v, want [2s]", fs.waits)
		}
	})
}

// TestBackoffWithoutRetryAfter checks the full-jitter ceilings of each retry
// with the documented defaults.
func TestBackoffWithoutRetryAfter(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy()
	p.MaxRetries = 6
	c, fs, calls := newSleeperClient(t, p, [2]string{"503", ""})
	_, err := c.GetPublicAPIToken(context.Background(), "w")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("err = %v, want a 503 APIError", err)
	}
	if *calls != 7 {
		t.Fatalf("calls = %d, want 7", *calls)
	}
	ceilings := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 16 * time.Second}
	if len(fs.waits) != len(ceilings) {
		t.Fatalf("waits = %v", fs.waits)
	}
	for i, w := range fs.waits {
		if w < 0 || w >= ceilings[i] {
			t.Errorf("wait %d = %v, want in [0, %v)", i+1, w, ceilings[i])
		}
	}
}

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
	p := RetryPolicy{MaxRetries: 100, BaseDelay: time.Second, MaxDelay: math.MaxInt64}.withDefaults()
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

// TestCancelDuringBackoff cancels the context while the client waits.
func TestCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	c, fs, calls := newSleeperClient(t, DefaultRetryPolicy(), [2]string{"429", "5"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fs.onSleep = cancel
	_, err := c.GetWorkspace(ctx, "w")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want the last attempt's error kept too", err)
	}
	if *calls != 1 {
		t.Fatalf("calls = %d, want 1", *calls)
	}
}

func TestSleepContextStopsAtCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sleepContext(ctx, time.Hour) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sleepContext ignored the cancellation")
	}
	if err := sleepContext(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if err := sleepContext(context.Background(), time.Microsecond); err != nil {
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
		got, ok := parseRetryAfter(in, now)
		if !ok || got != want {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "soon", "NaN", "1e9", "Inf"} {
		if _, ok := parseRetryAfter(in, now); ok {
			t.Errorf("parseRetryAfter(%q) accepted", in)
		}
	}
}

// TestDefaultHTTPClient: the default client clones http.DefaultTransport
// (so proxy settings survive) and sets no Client.Timeout.
func TestDefaultHTTPClient(t *testing.T) {
	t.Parallel()
	c, err := NewClient("p", "s")
	if err != nil {
		t.Fatal(err)
	}
	if c.hc.Timeout != 0 {
		t.Errorf("Timeout = %v, want 0", c.hc.Timeout)
	}
	tr, ok := c.hc.Transport.(*http.Transport)
	if !ok || tr == http.DefaultTransport {
		t.Fatalf("transport = %T %p, want a clone of http.DefaultTransport", c.hc.Transport, c.hc.Transport)
	}
	if tr.Proxy == nil {
		t.Error("the clone lost the proxy setting")
	}
	c2, _ := NewClient("p", "s")
	if c2.hc.Transport == c.hc.Transport {
		t.Error("clients share one default transport")
	}
	if c.retry != DefaultRetryPolicy() || c.tokenLifetime != DefaultTokenLifetime || c.userAgent != "tlpartner-go/"+Version {
		t.Errorf("defaults: %+v %v %q", c.retry, c.tokenLifetime, c.userAgent)
	}
}

func TestAbortedErrorMessage(t *testing.T) {
	t.Parallel()
	e := &abortedError{op: "GetWorkspace", ctxErr: context.Canceled, last: &APIError{StatusCode: 429, Code: "Too Many Requests", Description: "slow down"}}
	want := "tlpartner: GetWorkspace: context canceled (last attempt: 429 Too Many Requests: slow down)"
	if e.Error() != want {
		t.Fatalf("got %q, want %q", e.Error(), want)
	}
	if !errors.Is(e, context.Canceled) || !errors.Is(e, ErrRateLimited) {
		t.Fatal("abortedError must match both causes")
	}
}
