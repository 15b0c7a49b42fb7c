package engine

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// RetryPolicy sets the retry budget of a client: how many times and how
// long it waits before repeating a failed request. Which failures are
// retried follows from the operation's [RetryClass], not from the policy.
//
// Waits use exponential backoff with full jitter: before retry n the client
// sleeps a random duration in [0, min(MaxDelay, BaseDelay·2^(n-1))). A
// Retry-After header (seconds or HTTP date) replaces the backoff, capped at
// MaxRetryAfter. Waits end as soon as the context is done, and a wait that
// would outlast the context's deadline is skipped: the last error is
// returned immediately.
//
// Zero durations mean "use the default"; MaxRetries is used as given, so
// RetryPolicy{} disables retries.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt; 0
	// disables retries. Default 2; negative values are invalid.
	MaxRetries int
	// BaseDelay is the backoff ceiling before the first retry; it doubles
	// for every further retry. Default 1s.
	BaseDelay time.Duration
	// MaxDelay caps the backoff ceiling. Default 16s.
	MaxDelay time.Duration
	// MaxRetryAfter caps a wait requested by the server through
	// Retry-After. Default 16s.
	MaxRetryAfter time.Duration
}

// Default retry settings; see [DefaultRetryPolicy].
const (
	// DefaultMaxRetries is the default number of retries after the first
	// attempt.
	DefaultMaxRetries = 2
	// DefaultBaseDelay is the default backoff ceiling before the first
	// retry (the docs advise 1s, 2s, 4s, 8s, 16s).
	DefaultBaseDelay = time.Second
	// DefaultMaxDelay is the default cap of the backoff ceiling.
	DefaultMaxDelay = 16 * time.Second
	// DefaultMaxRetryAfter is the default cap of a Retry-After wait.
	DefaultMaxRetryAfter = 16 * time.Second
)

// DefaultRetryPolicy returns 2 retries, backoff base 1s, backoff cap 16s,
// Retry-After capped at 16s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxRetries:    DefaultMaxRetries,
		BaseDelay:     DefaultBaseDelay,
		MaxDelay:      DefaultMaxDelay,
		MaxRetryAfter: DefaultMaxRetryAfter,
	}
}

func (p RetryPolicy) validate(api string) error {
	switch {
	case p.MaxRetries < 0:
		return NewValidationError(api, "RetryPolicy.MaxRetries", "must not be negative")
	case p.BaseDelay < 0:
		return NewValidationError(api, "RetryPolicy.BaseDelay", "must not be negative")
	case p.MaxDelay < 0:
		return NewValidationError(api, "RetryPolicy.MaxDelay", "must not be negative")
	case p.MaxRetryAfter < 0:
		return NewValidationError(api, "RetryPolicy.MaxRetryAfter", "must not be negative")
	}
	return nil
}

// WithDefaults returns p with its zero durations replaced by the defaults
// and MaxDelay raised to at least BaseDelay.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	if p.BaseDelay == 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	return p
}

// RetryClass says which failures of an operation may be retried; it is
// tlhttp's type, so that middleware and observers see the same values.
type RetryClass = tlhttp.RetryClass

const (
	// RetryUnsent retries only failures where the server provably did not
	// receive or process the request: a 429 that is not a quota error, and
	// a connection that could not be established (dial or DNS error). Use
	// it for operations that create things, queue work or use credits.
	RetryUnsent = tlhttp.RetryUnsent
	// RetrySafe additionally retries other network errors and 502, 503
	// and 504, because repeating the request is harmless.
	RetrySafe = tlhttp.RetrySafe
)

// backoff returns the full-jitter wait before retry number n (1-based).
func (p RetryPolicy) backoff(n int) time.Duration {
	ceil := p.BaseDelay
	for i := 1; i < n && ceil < p.MaxDelay; i++ {
		if ceil > p.MaxDelay/2 {
			ceil = p.MaxDelay // doubling would pass the cap (or overflow)
			break
		}
		ceil *= 2
	}
	if ceil > p.MaxDelay {
		ceil = p.MaxDelay
	}
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil)
}

// retryableStatus reports whether a response with this error may be retried
// for an operation of class rc.
func retryableStatus(rc RetryClass, e *APIError) bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests:
		return !e.Is(ErrQuotaExceeded)
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return rc == RetrySafe
	}
	return false
}

// retryableNetError reports whether a transport error may be retried.
func retryableNetError(rc RetryClass, err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if notSent(err) {
		return true
	}
	return rc == RetrySafe
}

// notSent reports whether err shows that the request never reached the
// server: the connection could not be established.
func notSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// SleepContext waits for d or until ctx is done, whichever comes first.
func SleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// waitBeforeRetry sleeps before retry n. It returns false (without
// sleeping) when the context's deadline would pass during the wait, and
// false when the context ends during the wait.
func (e *Engine) waitBeforeRetry(ctx context.Context, op string, n int, retryAfter time.Duration, cause error) bool {
	d := e.retry.backoff(n)
	if retryAfter > 0 {
		d = min(retryAfter, e.retry.MaxRetryAfter)
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	if e.logger.Enabled(ctx, slog.LevelInfo) {
		e.logger.LogAttrs(ctx, slog.LevelInfo, e.api+": retrying",
			slog.String("op", op),
			slog.Int("retry", n),
			slog.Duration("wait", d),
			slog.String("cause", causeString(cause)),
		)
	}
	return e.sleep(ctx, d) == nil
}

// causeString describes a retry cause for logs without any request data.
func causeString(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		s := "status " + strconv.Itoa(apiErr.StatusCode)
		if apiErr.Code != "" {
			s += " " + apiErr.Code
		}
		return s
	}
	return err.Error()
}
