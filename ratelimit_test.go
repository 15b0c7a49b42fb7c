package tlpartner_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

// limiterSecret is the Partner Secret of the limiter tests; it must never
// show up in their logs.
const limiterSecret = "rl-secret-never-logged-0123456789"

// limitedClient returns a client answering from statuses ("200", "429";
// the last one repeats) and counting the requests that reached the
// transport.
func limitedClient(t *testing.T, opts []tlpartner.Option, statuses ...int) (*tlpartner.Client, *atomic.Int64) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	var calls atomic.Int64
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		n := calls.Add(1)
		status := statuses[min(int(n), len(statuses))-1]
		body := `{"workspace_id":"w","display_name":"w"}`
		if status != 200 {
			body = `{"error":"Too Many Requests","message":"Rate limit exceeded. Please retry after a short delay."}`
		}
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	})
	base := []tlpartner.Option{
		tlpartner.WithBaseURL("https://x.test/v1"),
		tlpartner.WithHTTPClient(&http.Client{Transport: mt}),
		tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxRetries: 0, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond}),
	}
	c, err := tlpartner.NewClient("p", limiterSecret, append(base, opts...)...)
	require.NoError(t, err)
	return c, &calls
}

// countingLimiter lets every request through and counts the waits.
type countingLimiter struct{ n atomic.Int64 }

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.n.Add(1)
	return ctx.Err()
}

// TestRateLimiterEveryAttempt: every attempt, retries included, waits for
// the limiter given with WithRateLimiter.
func TestRateLimiterEveryAttempt(t *testing.T) {
	t.Parallel()
	lim := &countingLimiter{}
	c, calls := limitedClient(t, []tlpartner.Option{tlpartner.WithRateLimiter(lim), tlpartner.WithMaxRetries(2)}, 429, 429, 200)
	_, err := c.GetWorkspace(bg, "w")
	require.NoError(t, err)
	assert.EqualValues(t, 3, calls.Load())
	assert.EqualValues(t, 3, lim.n.Load(), "one limiter wait per attempt")
}

// TestRateLimiterSharedAcrossClients: one *rate.Limiter paces two clients
// together.
func TestRateLimiterSharedAcrossClients(t *testing.T) {
	t.Parallel()
	lim := rate.NewLimiter(rate.Every(40*time.Millisecond), 1)
	c1, _ := limitedClient(t, []tlpartner.Option{tlpartner.WithRateLimiter(lim)}, 200)
	c2, _ := limitedClient(t, []tlpartner.Option{tlpartner.WithRateLimiter(lim)}, 200)
	start := time.Now()
	for _, c := range []*tlpartner.Client{c1, c2, c1, c2} {
		_, err := c.GetWorkspace(bg, "w")
		require.NoError(t, err)
	}
	// Burst 1 then three waits of 40ms.
	assert.GreaterOrEqual(t, time.Since(start), 110*time.Millisecond)
}

// TestRateLimitWaitLogged: WithRateLimit paces real time, and a wait is
// logged at Debug without secrets.
//
// The second call finds the bucket empty and waits about a second for the
// next token. The wait is long so that the test holds on a loaded machine:
// a pause between the two calls as long as the wait would refill the bucket
// (at 20/s, a 50ms pause under -race on a busy CI runner did) and leave
// nothing to log.
func TestRateLimitWaitLogged(t *testing.T) {
	t.Parallel()
	var buf testutil.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, calls := limitedClient(t, []tlpartner.Option{tlpartner.WithRateLimit(1, 1), tlpartner.WithLogger(logger)}, 200)
	start := time.Now()
	for range 2 {
		_, err := c.GetWorkspace(bg, "w")
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 950*time.Millisecond, "burst 1 at 1/s: one wait of a second")
	assert.EqualValues(t, 2, calls.Load())
	out := buf.String()
	// One long wait. On a loaded machine the first call's Wait can itself
	// take over the 1ms log threshold (13ms was seen under -race in CI), so
	// short waits are allowed and not counted.
	const prefix = `msg="tlpartner: rate limit wait" op=GetWorkspace method=GET path=/v1/workspaces/w attempt=1 wait=`
	long := 0
	for _, line := range strings.Split(out, "\n") {
		i := strings.Index(line, prefix)
		if i < 0 {
			continue
		}
		d, err := time.ParseDuration(strings.Fields(line[i+len(prefix):])[0])
		require.NoError(t, err, line)
		if d >= 500*time.Millisecond {
			long++
		}
	}
	assert.Equal(t, 1, long, out)
	assert.NotContains(t, out, limiterSecret)
	assert.NotContains(t, out, "Bearer")
	assert.NotContains(t, out, "eyJ")
}

// enteringLimiter is a *rate.Limiter that reports each call of Wait on
// entered before it starts waiting.
type enteringLimiter struct {
	*rate.Limiter
	entered chan struct{}
}

func (l *enteringLimiter) Wait(ctx context.Context) error {
	l.entered <- struct{}{}
	return l.Limiter.Wait(ctx)
}

// TestRateLimitCancelWhileWaiting: with one token per hour (the
// *rate.Limiter that WithRateLimit(1.0/3600, 1) builds), a call that has to
// wait returns as soon as its context is cancelled, without sending. The
// cancel comes once the call is known to be in Wait, not after a sleep
// that a loaded machine may outlast.
func TestRateLimitCancelWhileWaiting(t *testing.T) {
	t.Parallel()
	lim := &enteringLimiter{Limiter: rate.NewLimiter(1.0/3600, 1), entered: make(chan struct{}, 2)}
	c, calls := limitedClient(t, []tlpartner.Option{tlpartner.WithRateLimiter(lim)}, 200)
	_, err := c.GetWorkspace(bg, "w")
	require.NoError(t, err)
	<-lim.entered
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.GetWorkspace(ctx, "w")
		done <- err
	}()
	<-lim.entered
	time.Sleep(10 * time.Millisecond) // usually inside rate.Limiter.Wait by now; either way the error is the same
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, "tlpartner: GetWorkspace: rate limit wait: context canceled", err.Error())
		assert.Less(t, time.Since(start), 5*time.Second)
	case <-time.After(30 * time.Second):
		t.Fatal("the call kept waiting after its context was cancelled")
	}
	assert.EqualValues(t, 1, calls.Load(), "nothing sent after the cancel")
}

// TestRateLimitDeadlineShorterThanWait: a wait that would outlast the
// deadline fails at once, before the deadline, without sending, with an
// error matching context.DeadlineExceeded; the token is given back.
func TestRateLimitDeadlineShorterThanWait(t *testing.T) {
	t.Parallel()
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	c, calls := limitedClient(t, []tlpartner.Option{tlpartner.WithRateLimiter(lim)}, 200)
	_, err := c.GetWorkspace(bg, "w")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(bg, time.Minute)
	defer cancel()
	start := time.Now()
	_, err = c.GetWorkspace(ctx, "w")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "tlpartner: GetWorkspace: rate limit wait would exceed the context deadline", err.Error())
	assert.Less(t, time.Since(start), 10*time.Second, "failed at once, not after the hour-long wait or the minute-long deadline")
	assert.NoError(t, ctx.Err(), "returned before the deadline")
	assert.EqualValues(t, 1, calls.Load())
	// The refused reservation was cancelled: the limiter is not further in
	// debt than after the first call.
	assert.InDelta(t, 0, lim.TokensAt(time.Now()), 0.01)
}

// TestRateLimitDeadlineOnRetry: when the limiter stops a retry, the error
// keeps the last attempt's failure next to the context error.
func TestRateLimitDeadlineOnRetry(t *testing.T) {
	t.Parallel()
	c, calls := limitedClient(t, []tlpartner.Option{tlpartner.WithRateLimit(1.0/3600, 1), tlpartner.WithMaxRetries(2)}, 429, 200)
	ctx, cancel := context.WithTimeout(bg, time.Minute)
	defer cancel()
	_, err := c.GetWorkspace(ctx, "w")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, tlpartner.ErrRateLimited)
	assert.Contains(t, err.Error(), "(last attempt: 429")
	assert.EqualValues(t, 1, calls.Load())
}

// TestRateLimitConcurrent: goroutines sharing one client never exceed the
// bucket: 40 requests at 200/s with burst 10 take at least 150ms.
func TestRateLimitConcurrent(t *testing.T) {
	t.Parallel()
	c, calls := limitedClient(t, []tlpartner.Option{tlpartner.WithRateLimit(200, 10)}, 200)
	start := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				_, err := c.GetWorkspace(bg, "w")
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 40, calls.Load())
	assert.GreaterOrEqual(t, time.Since(start), 145*time.Millisecond)
}

func TestRateLimitOptionValidation(t *testing.T) {
	t.Parallel()
	bad := []struct {
		name      string
		perSecond float64
		burst     int
		reason    string
	}{
		{"zero rate", 0, 10, "perSecond"},
		{"negative rate", -1, 10, "perSecond"},
		{"NaN rate", math.NaN(), 10, "perSecond"},
		{"infinite rate", math.Inf(1), 10, "perSecond"},
		{"negative infinite rate", math.Inf(-1), 10, "perSecond"},
		{"zero burst", 25, 0, "burst"},
		{"negative burst", 25, -3, "burst"},
	}
	for _, tc := range bad {
		_, err := tlpartner.NewClient("p", "s", tlpartner.WithRateLimit(tc.perSecond, tc.burst))
		var vErr *tlpartner.ValidationError
		if assert.ErrorAs(t, err, &vErr, tc.name) {
			assert.Equal(t, "WithRateLimit", vErr.Field, tc.name)
			assert.True(t, strings.HasPrefix(vErr.Reason, tc.reason), "%s: %q", tc.name, vErr.Reason)
		}
	}
	// A nil limiter (or a typed nil pointer) is the default, no limiter:
	// the module's one rule for nil option arguments.
	for _, l := range []tlpartner.Limiter{nil, (*rate.Limiter)(nil), (*countingLimiter)(nil)} {
		_, err := tlpartner.NewClient("p", "s", tlpartner.WithRateLimit(1, 1), tlpartner.WithRateLimiter(l))
		assert.NoError(t, err)
	}
	// Extreme but valid values work.
	for _, r := range []float64{1e-300, 1e300, math.SmallestNonzeroFloat64} {
		_, err := tlpartner.NewClient("p", "s", tlpartner.WithRateLimit(r, math.MaxInt))
		assert.NoError(t, err, "WithRateLimit(%g, MaxInt)", r)
	}
}

// TestRateLimitLastOptionWins: WithRateLimiter after WithRateLimit
// replaces it (and the other way round).
func TestRateLimitLastOptionWins(t *testing.T) {
	t.Parallel()
	lim := &countingLimiter{}
	c, _ := limitedClient(t, []tlpartner.Option{tlpartner.WithRateLimit(1.0/3600, 1), tlpartner.WithRateLimiter(lim)}, 200)
	for range 3 {
		_, err := c.GetWorkspace(bg, "w")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 3, lim.n.Load())

	lim2 := &countingLimiter{}
	c, _ = limitedClient(t, []tlpartner.Option{tlpartner.WithRateLimiter(lim2), tlpartner.WithRateLimit(1e6, 1)}, 200)
	_, err := c.GetWorkspace(bg, "w")
	require.NoError(t, err)
	assert.Zero(t, lim2.n.Load())
}
