package tlpartner

// This file implements the optional client-side rate limiter: a token
// bucket shared by every call of a Client. Each HTTP attempt (retries
// included) takes one token before it is sent. The bucket lets a request
// reserve a token it does not have yet, driving the balance negative; the
// request then sleeps until the refill has paid that debt. A request that
// gives up while waiting (context cancelled, deadline too close) returns its
// token. Reserving up front keeps the limiter correct under concurrency
// without a queue, and means a sleep never has to be followed by a second
// look at the bucket.

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"
)

// Server-side rate limits as documented by TimelinesAI ("Rate limits"). They
// apply per source IP address, not per partner or token: every integration
// sending from the same IP shares them. A [Client] does not enforce them
// unless configured with [WithRateLimit].
const (
	// ServerRateLimit is the sustained rate, in requests per second, that
	// TimelinesAI documents as allowed per source IP address.
	ServerRateLimit = 30
	// ServerRateBurst is the number of requests above ServerRateLimit
	// that TimelinesAI documents as queued (served late) rather than
	// rejected; beyond that, about 40 requests per second, it answers
	// 429 Too Many Requests.
	ServerRateBurst = 10
)

// WithRateLimit makes the client pace its own requests with a token bucket
// that refills at perSecond tokens per second and holds at most burst
// tokens (it starts full). The bucket is shared by all calls of the
// [Client], from any goroutine. Every HTTP attempt, including each retry,
// takes one token before it is sent; when none is left the call waits for
// the next one. The wait honours the context: when the context ends during
// the wait, or its deadline would pass before a token is available, the
// call returns at once, without sending, with an error that matches the
// context's error (context.Canceled or context.DeadlineExceeded) through
// errors.Is. A request that waited is logged at Debug level with the wait.
//
// The default is no limiter. TimelinesAI limits requests per source IP
// address ([ServerRateLimit] per second plus a burst of [ServerRateBurst]),
// and the client cannot see other clients or processes sharing that IP, so
// no default could be right. Bulk work such as provisioning many
// workspaces should use a limiter with headroom for the other traffic, for
// example WithRateLimit(25, 10). The limiter belongs to one Client; share
// the Client (it is safe for concurrent use) to share the budget. A 429 that
// happens anyway is retried as described on [RetryPolicy].
//
// The limiter measures time with the system clock, not with the clock set
// by [WithClock], which tests often pin to a fixed instant.
//
// perSecond must be positive and finite and burst at least 1; other values
// are a [*ValidationError].
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *clientConfig) error {
		if math.IsNaN(perSecond) || math.IsInf(perSecond, 0) || perSecond <= 0 {
			return &ValidationError{Field: "rate_limit.per_second", Reason: "must be a positive finite number"}
		}
		if burst < 1 {
			return &ValidationError{Field: "rate_limit.burst", Reason: "must be at least 1"}
		}
		c.rateLimit = &rateLimitConfig{perSecond: perSecond, burst: burst}
		return nil
	}
}

// rateLimitConfig holds the validated arguments of [WithRateLimit].
type rateLimitConfig struct {
	perSecond float64
	burst     int
}

// rateLimiter is a token bucket. tokens may go negative: it then counts the
// tokens promised to requests that are still waiting for them.
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64 // capacity
	now   func() time.Time

	mu      sync.Mutex
	tokens  float64
	last    time.Time // time of the last refill
	started bool
}

func newRateLimiter(cfg *rateLimitConfig) *rateLimiter {
	if cfg == nil {
		return nil
	}
	return &rateLimiter{
		rate:   cfg.perSecond,
		burst:  float64(cfg.burst),
		now:    time.Now,
		tokens: float64(cfg.burst),
	}
}

// reserve takes one token and returns the limiter's current time and how
// long the caller must wait from then before using the token (0 when a
// token was available).
func (l *rateLimiter) reserve() (now time.Time, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now = l.now()
	l.refill(now)
	l.tokens--
	if l.tokens >= 0 {
		return now, 0
	}
	return now, secondsToDuration(-l.tokens / l.rate)
}

// release gives back a token reserved by a caller that will not send.
// Waiters that reserved after it keep their (now slightly longer than
// needed) waits, so the rate is never exceeded.
func (l *rateLimiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tokens = min(l.burst, l.tokens+1)
}

// refill adds the tokens earned since the last refill. A clock that goes
// backwards adds nothing.
func (l *rateLimiter) refill(now time.Time) {
	if !l.started {
		l.started = true
		l.last = now
		return
	}
	if d := now.Sub(l.last); d > 0 {
		l.tokens = min(l.burst, l.tokens+d.Seconds()*l.rate)
		l.last = now
	}
}

// secondsToDuration converts s (> 0) to a Duration, rounding up so that a
// wait never ends before the token is earned, and saturating instead of
// overflowing.
func secondsToDuration(s float64) time.Duration {
	ns := math.Ceil(s * float64(time.Second))
	if ns >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(ns)
}

// rateLimitDeadlineError reports that the context's deadline would pass
// before the limiter could grant a token. It matches
// context.DeadlineExceeded.
type rateLimitDeadlineError struct {
	wait time.Duration
}

func (e *rateLimitDeadlineError) Error() string {
	return fmt.Sprintf("rate limit wait of %v would exceed the context deadline", e.wait)
}

func (e *rateLimitDeadlineError) Unwrap() error { return context.DeadlineExceeded }

// rateLimitWaitError reports that the context ended while the call waited
// for the limiter.
type rateLimitWaitError struct {
	err error // the context's error
}

func (e *rateLimitWaitError) Error() string { return "rate limit wait: " + e.err.Error() }

func (e *rateLimitWaitError) Unwrap() error { return e.err }

// waitForRateLimit blocks until the client's limiter grants a token for
// attempt number attempt (0-based) of req. It returns nil at once when the
// client has no limiter. Otherwise it returns a non-nil error, matching
// the context's error, when the context ends during the wait or its
// deadline would pass first; the token is then given back.
func (c *Client) waitForRateLimit(ctx context.Context, op string, req *http.Request, attempt int) error {
	l := c.limiter
	if l == nil {
		return nil
	}
	_, d := l.reserve()
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		l.release()
		return &rateLimitDeadlineError{wait: d}
	}
	if c.logger.Enabled(ctx, slog.LevelDebug) {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "tlpartner: rate limit wait",
			slog.String("op", op),
			slog.String("method", req.Method),
			slog.String("path", req.URL.EscapedPath()),
			slog.Int("attempt", attempt+1),
			slog.Duration("wait", d),
		)
	}
	if err := c.sleep(ctx, d); err != nil {
		l.release()
		return &rateLimitWaitError{err: err}
	}
	return nil
}
