package tlpartner_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

// publicClient returns a Public API client answering from statuses (the
// last one repeats) and counting the requests that reached the transport.
func publicClient(t *testing.T, opts []publicapi.Option, statuses ...int) (*publicapi.Client, *atomic.Int64) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	var calls atomic.Int64
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		n := calls.Add(1)
		status := statuses[min(int(n), len(statuses))-1]
		body := `{"status":"ok","data":{"webhooks":[]}}`
		if status != 200 {
			body = `{"status":"error","message":"Too Many Requests"}`
		}
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	})
	base := []publicapi.Option{
		publicapi.WithBaseURL("https://x.test/integrations/api"),
		publicapi.WithHTTPClient(&http.Client{Transport: mt}),
		publicapi.WithRetryPolicy(publicapi.RetryPolicy{MaxRetries: 0, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond}),
	}
	c, err := publicapi.NewClient("public-token-never-logged-0123", append(base, opts...)...)
	require.NoError(t, err)
	return c, &calls
}

// TestRateLimiterSharedWithPublicAPI (issue 11): the Public API client
// takes the same limiter type as the Partner API client. One limiter
// given to both is waited on by every attempt of either, retries included,
// so their combined rate stays under one budget.
func TestRateLimiterSharedWithPublicAPI(t *testing.T) {
	t.Parallel()
	var lim tlpartner.Limiter = &countingLimiter{}
	partner, partnerCalls := limitedClient(t, []tlpartner.Option{tlpartner.WithRateLimiter(lim), tlpartner.WithMaxRetries(1)}, 429, 200)
	public, publicCalls := publicClient(t, []publicapi.Option{publicapi.WithRateLimiter(lim), publicapi.WithMaxRetries(2)}, 429, 429, 200)

	_, err := partner.GetWorkspace(bg, "w")
	require.NoError(t, err)
	_, err = public.ListWebhooks(bg)
	require.NoError(t, err)
	assert.EqualValues(t, 2, partnerCalls.Load())
	assert.EqualValues(t, 3, publicCalls.Load())
	assert.EqualValues(t, 5, lim.(*countingLimiter).n.Load(), "one wait per attempt of either client")
}

// TestPublicAPIRateLimitDeadline (issue 11): the Public API client keeps
// the limiter behaviour users rely on: a wait that would outlast the
// deadline fails at once without sending, a cancelled wait ends at once,
// and WithRateLimit's *rate.Limiter paces real time.
func TestPublicAPIRateLimitDeadline(t *testing.T) {
	t.Parallel()
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	c, calls := publicClient(t, []publicapi.Option{publicapi.WithRateLimiter(lim)}, 200)
	_, err := c.ListWebhooks(bg)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(bg, time.Minute)
	defer cancel()
	_, err = c.ListWebhooks(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "publicapi: ListWebhooks: rate limit wait would exceed the context deadline", err.Error())
	assert.NoError(t, ctx.Err(), "returned before the deadline")

	cctx, ccancel := context.WithCancel(bg)
	ccancel()
	_, err = c.ListWebhooks(cctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 1, calls.Load(), "nothing sent after the first call")

	paced, pacedCalls := publicClient(t, []publicapi.Option{publicapi.WithRateLimit(2, 1)}, 200)
	start := time.Now()
	for range 3 {
		_, err := paced.ListWebhooks(bg)
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 950*time.Millisecond, "burst 1 at 2/s: two waits of 500ms")
	assert.EqualValues(t, 3, pacedCalls.Load())
}
