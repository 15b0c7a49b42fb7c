package tlpartner_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/tlpartner/tlpartner-go"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// safeToRepeat lists the operations retried after ambiguous failures.
var safeToRepeat = map[string]bool{
	"GetWorkspace": true, "UpdateWorkspace": true, "GenerateQR": true, "DisconnectWhatsApp": true,
	"GetPublicAPIToken": true, "RotatePublicAPIToken": true,
	"CreateWorkspace": false, "CreateUsers": false,
}

func netErr(msg string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) { return nil, errors.New(msg) }
}

func dialErr(*http.Request) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
}

// TestRetryTable checks the per-operation retry table for every endpoint:
// how many attempts each kind of failure gets with the default budget of 2
// retries.
func TestRetryTable(t *testing.T) {
	t.Parallel()
	type failure struct {
		name    string
		resp    func(t *testing.T) httpmock.Responder
		safe    int // attempts for operations safe to repeat
		notSafe int // attempts for CreateWorkspace / CreateUsers
	}
	failures := []failure{
		{"429", func(t *testing.T) httpmock.Responder { return reply(t, 429, "error_rate_limited_429.json") }, 3, 3},
		{"429 public api rate limit", func(t *testing.T) httpmock.Responder { return reply(t, 429, "error_public_api_rate_limit_429.json") }, 3, 3},
		{"429 quota exhausted", func(t *testing.T) httpmock.Responder { return reply(t, 429, "error_public_api_quota_429.json") }, 1, 1},
		{"502", func(t *testing.T) httpmock.Responder { return reply(t, 502, "error_proxy_502.html") }, 3, 1},
		{"503", func(t *testing.T) httpmock.Responder { return reply(t, 503, "error_plain_503.txt") }, 3, 1},
		{"504", func(t *testing.T) httpmock.Responder { return replyBytes(504, nil) }, 3, 1},
		{"500", func(t *testing.T) httpmock.Responder { return replyBytes(500, nil) }, 1, 1},
		{"404", func(t *testing.T) httpmock.Responder { return reply(t, 404, "error_workspace_not_found_404.json") }, 1, 1},
		{"401", func(t *testing.T) httpmock.Responder { return reply(t, 401, "error_invalid_signature_401.json") }, 1, 1},
		{"connection reset", func(*testing.T) httpmock.Responder { return netErr("read: connection reset by peer") }, 3, 1},
		{"dial refused", func(*testing.T) httpmock.Responder { return dialErr }, 3, 3},
	}
	for _, ep := range endpoints() {
		for _, f := range failures {
			t.Run(ep.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				c, m := newMock(t)
				m.on(f.resp(t))
				_, err := ep.call(bg, c, wsID)
				require.Error(t, err)
				want := f.notSafe
				if safeToRepeat[ep.name] {
					want = f.safe
				}
				reqs := m.requests()
				assert.Len(t, reqs, want, "attempts")
				for _, r := range reqs {
					assertRequest(t, ep, r, wsID) // every attempt is complete, body included
				}
			})
		}
	}
}

// TestRetryThenSuccess: a 429 (or, for safe operations, a 503) followed by
// success returns the decoded result.
func TestRetryThenSuccess(t *testing.T) {
	t.Parallel()
	for _, ep := range endpoints() {
		t.Run(ep.name+"/429", func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t)
			m.on(reply(t, 429, "error_rate_limited_429.json"), reply(t, ep.status, ep.fixture))
			got, err := ep.call(bg, c, wsID)
			require.NoError(t, err)
			assert.Equal(t, ep.want, got)
			assert.Len(t, m.requests(), 2)
		})
		if !safeToRepeat[ep.name] {
			continue
		}
		t.Run(ep.name+"/503 storm then 200", func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, tlpartner.WithMaxRetries(5))
			m.on(reply(t, 503, "error_plain_503.txt"), reply(t, 503, "error_plain_503.txt"), reply(t, 502, "error_proxy_502.html"),
				netErr("EOF"), reply(t, 504, "error_plain_503.txt"), reply(t, ep.status, ep.fixture))
			got, err := ep.call(bg, c, wsID)
			require.NoError(t, err)
			assert.Equal(t, ep.want, got)
			assert.Len(t, m.requests(), 6)
		})
	}
}

func TestRetryBudget(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 4} {
		c, m := newMock(t, tlpartner.WithMaxRetries(n))
		m.on(reply(t, 503, "error_plain_503.txt"))
		_, err := c.GetWorkspace(bg, "acme")
		var e *tlpartner.APIError
		require.ErrorAs(t, err, &e)
		assert.Equal(t, 503, e.StatusCode)
		assert.Len(t, m.requests(), n+1)
	}
	// The zero RetryPolicy disables retries.
	c, m := newMock(t, tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{}))
	m.on(reply(t, 429, "error_rate_limited_429.json"))
	_, err := c.GetWorkspace(bg, "acme")
	require.ErrorIs(t, err, tlpartner.ErrRateLimited)
	assert.Len(t, m.requests(), 1)
}

func TestNetworkErrorIsWrapped(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, tlpartner.WithMaxRetries(0))
	m.on(dialErr)
	_, err := c.GetWorkspace(bg, "acme")
	require.Error(t, err)
	var opErr *net.OpError
	assert.ErrorAs(t, err, &opErr)
	assert.Contains(t, err.Error(), "tlpartner: GetWorkspace: ")
	m.only()
}

// TestContextCancelledDuringBackoff: the server asks for a one-hour wait;
// cancelling the context must end the call promptly with context.Canceled.
func TestContextCancelledDuringBackoff(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxRetries: 3, MaxRetryAfter: time.Hour}))
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	sent := make(chan struct{}, 4)
	m.on(func(req *http.Request) (*http.Response, error) {
		sent <- struct{}{}
		return replyBytes(429, []byte(`{"error":"Too Many Requests"}`), "Retry-After", "3600")(req)
	})
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := c.GetWorkspace(ctx, "acme")
		done <- err
	}()
	<-sent
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, tlpartner.ErrRateLimited, "the last attempt's error is kept")
		assert.Contains(t, err.Error(), "tlpartner: GetWorkspace: context canceled")
	case <-time.After(30 * time.Second):
		t.Fatal("call did not return after the context was cancelled")
	}
	assert.True(t, time.Since(start) < 30*time.Second)
	assert.Len(t, m.requests(), 1)
}

// TestDeadlineShorterThanWait: a wait that would outlast the deadline is not
// started; the last error comes back at once.
func TestDeadlineShorterThanWait(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxRetries: 3, MaxRetryAfter: time.Hour}))
	ctx, cancel := context.WithTimeout(bg, time.Minute)
	defer cancel()
	m.on(replyBytes(429, []byte(`{"error":"Too Many Requests"}`), "Retry-After", "3600"))
	_, err := c.GetWorkspace(ctx, "acme")
	var e *tlpartner.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 429, e.StatusCode)
	assert.Equal(t, time.Hour, e.RetryAfter)
	assert.NoError(t, ctx.Err(), "returned before the deadline")
	assert.Len(t, m.requests(), 1)
}

// TestRetryAfterCappedRealClock uses a real (tiny) cap: Retry-After asks for
// an hour, the cap is 1ms, so the retry happens right away.
func TestRetryAfterCappedRealClock(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxRetries: 1, MaxRetryAfter: time.Millisecond}))
	m.on(reply(t, 429, "error_rate_limited_429.json", "Retry-After", "3600"), reply(t, 200, "workspace_get_200.json"))
	ctx, cancel := context.WithTimeout(bg, 30*time.Second)
	defer cancel()
	_, err := c.GetWorkspace(ctx, wsID)
	require.NoError(t, err)
	assert.Len(t, m.requests(), 2)
}

func TestCancelledBeforeSend(t *testing.T) {
	t.Parallel()
	c, m := newMock(t)
	ctx, cancel := context.WithCancel(bg)
	cancel()
	m.on(reply(t, 200, "workspace_get_200.json"))
	_, err := c.GetWorkspace(ctx, "acme")
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, m.requests(), "nothing is sent with a dead context")
}

// TestConcurrentUse shares one client between many goroutines (run with
// -race). The server rejects the first attempt of every workspace with 429,
// so each call succeeds on its retry.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c, m := newMock(t)
	var mu sync.Mutex
	seen := map[string]bool{}
	ok := reply(t, 200, "workspace_get_200.json")
	limited := reply(t, 429, "error_rate_limited_429.json")
	m.on(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		first := !seen[req.URL.Path]
		seen[req.URL.Path] = true
		mu.Unlock()
		if first {
			return limited(req)
		}
		return ok(req)
	})
	const workers = 40
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws, err := c.GetWorkspace(bg, "ws-"+strconv.Itoa(i))
			if err == nil && ws.ID != wsID {
				err = errors.New("wrong workspace " + ws.ID)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	reqs := m.requests()
	assert.Len(t, reqs, 2*workers)
	for _, r := range reqs {
		assertToken(t, r.Header.Get("Authorization"), testNow)
	}
}
