package tlpartner

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// fakeSleeper records requested waits instead of sleeping.
type fakeSleeper struct {
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
	c.eng.SetSleep(fs.sleep)
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

// TestDefaultHTTPClient: the default client clones http.DefaultTransport
// (so proxy settings survive) and sets no Client.Timeout.
func TestDefaultHTTPClient(t *testing.T) {
	t.Parallel()
	c, err := NewClient("p", "s")
	if err != nil {
		t.Fatal(err)
	}
	hc := c.eng.HTTPClient()
	if hc.Timeout != 0 {
		t.Errorf("Timeout = %v, want 0", hc.Timeout)
	}
	tr, ok := hc.Transport.(*http.Transport)
	if !ok || tr == http.DefaultTransport {
		t.Fatalf("transport = %T %p, want a clone of http.DefaultTransport", hc.Transport, hc.Transport)
	}
	if tr.MaxIdleConnsPerHost != DefaultMaxIdleConnsPerHost || DefaultMaxIdleConnsPerHost < 100 {
		t.Errorf("MaxIdleConnsPerHost = %d, want %d (at least 100)", tr.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost)
	}
	if tr.Proxy == nil {
		t.Error("the clone lost the proxy setting")
	}
	c2, _ := NewClient("p", "s")
	if c2.eng.HTTPClient().Transport == hc.Transport {
		t.Error("clients share one default transport")
	}
	if RetryPolicy(c.eng.Retry()) != DefaultRetryPolicy() || c.tokenLifetime != DefaultTokenLifetime || c.eng.UserAgent() != "tlpartner-go/"+Version || c.eng.Limiter() != nil {
		t.Errorf("defaults: %+v %v %q %v", c.eng.Retry(), c.tokenLifetime, c.eng.UserAgent(), c.eng.Limiter())
	}
}
