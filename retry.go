package tlpartner

// Retries
//
// The client retries a failed attempt only when repeating the request cannot
// do harm. What "harm" means depends on the operation, so every operation
// has a retry class:
//
//	Operation                       Method + path                                  429 (rate limit)  network error, 502, 503, 504
//	GetWorkspace                    GET   /workspaces/{id}                         yes               yes (read-only)
//	GetPublicAPIToken               GET   /workspaces/{id}/api-token               yes               yes (read-only)
//	UpdateWorkspace                 PATCH /workspaces/{id}                         yes               yes (same body, same end state)
//	DisconnectWhatsApp              POST  /workspaces/{id}/users/{uid}/whatsapp/disconnect
//	                                                                               yes               yes (idempotent per the docs)
//	GenerateQR                      POST  /workspaces/{id}/users/{uid}/qr          yes               yes (a repeat only replaces the link)
//	RotatePublicAPIToken            POST  /workspaces/{id}/api-token               yes               yes (a repeat only rotates again)
//	CreateWorkspace                 POST  /workspaces                              yes               no  (could create a second workspace)
//	CreateUsers                     POST  /workspaces/{id}/users                   yes               no  (could create extra users, using seats)
//	Client.Do, GET/HEAD/PUT/DELETE/PATCH/OPTIONS                                    yes               yes
//	Client.Do, POST and other methods                                              yes               no
//
// A 429 is retried for every operation because the rate limiter rejects the
// request before it is processed. A 429 whose error code says a quota is
// exhausted (for example "quota_exceeded") is never retried: waiting a few
// seconds will not refill a quota. Connection failures that happen before
// the request could be sent (dial and DNS errors) are retried for every
// operation for the same reason. Other statuses (4xx, 500, 501, ...) are
// never retried: they are either the caller's problem or could have had
// side effects.
//
// Waits use exponential backoff with full jitter: before retry n (1-based)
// the client sleeps a random duration in [0, min(MaxDelay, BaseDelay*2^(n-1))),
// so with the defaults (1 s base, 16 s cap) the ceilings are 1 s, 2 s, 4 s,
// 8 s, 16 s, 16 s, ... When the response carries a Retry-After header
// (seconds or an HTTP date) that wait is used instead, capped at
// MaxRetryAfter. Every wait ends as soon as the context is done, and a wait
// that would outlast the context's deadline is not started: the last error
// is returned at once.
//
// Each attempt mints a new JWT, so a retry after a long wait never reuses a
// token close to its expiry.

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"
)

// RetryPolicy controls how often and how long the client waits before
// repeating a failed request. Which failures are retried is fixed per
// operation (see the table in the package documentation of retries in
// retry.go and [DefaultRetryPolicy]); the policy only sets the budget.
//
// Zero durations mean "use the default"; MaxRetries is used as given, so the
// zero RetryPolicy disables retries.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt. 0
	// disables retries. Negative values are invalid.
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
	DefaultMaxRetries    = 2
	DefaultBaseDelay     = time.Second
	DefaultMaxDelay      = 16 * time.Second
	DefaultMaxRetryAfter = 16 * time.Second
)

// DefaultRetryPolicy returns the policy a [Client] uses unless told
// otherwise: 2 retries, backoff base 1s, backoff cap 16s, Retry-After capped
// at 16s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxRetries:    DefaultMaxRetries,
		BaseDelay:     DefaultBaseDelay,
		MaxDelay:      DefaultMaxDelay,
		MaxRetryAfter: DefaultMaxRetryAfter,
	}
}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxRetries < 0:
		return &ValidationError{Field: "retry_policy.max_retries", Reason: "must not be negative"}
	case p.BaseDelay < 0:
		return &ValidationError{Field: "retry_policy.base_delay", Reason: "must not be negative"}
	case p.MaxDelay < 0:
		return &ValidationError{Field: "retry_policy.max_delay", Reason: "must not be negative"}
	case p.MaxRetryAfter < 0:
		return &ValidationError{Field: "retry_policy.max_retry_after", Reason: "must not be negative"}
	}
	return nil
}

func (p RetryPolicy) withDefaults() RetryPolicy {
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

// WithRetryPolicy replaces the retry budget. Zero durations in p mean the
// defaults; p.MaxRetries is used as given (0 disables retries). Negative
// values are a [*ValidationError].
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *clientConfig) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// WithMaxRetries sets only [RetryPolicy.MaxRetries], keeping the rest of the
// policy. The default is 2; 0 disables retries; negative n is a
// [*ValidationError].
func WithMaxRetries(n int) Option {
	return func(c *clientConfig) error {
		if n < 0 {
			return &ValidationError{Field: "max_retries", Reason: "must not be negative"}
		}
		c.retry.MaxRetries = n
		return nil
	}
}

// retryClass says which failures of an operation may be retried.
type retryClass uint8

const (
	// retryRejectedOnly: only failures where the server certainly did not
	// process the request (429 without a quota code, dial/DNS errors).
	retryRejectedOnly retryClass = iota
	// retrySafe: additionally network errors and 502/503/504, because
	// repeating the request is harmless.
	retrySafe
)

// backoff returns the full-jitter wait before retry number n (1-based).
func (p RetryPolicy) backoff(n int) time.Duration {
	ceil := p.BaseDelay
	for i := 1; i < n && ceil < p.MaxDelay; i++ {
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
func retryableStatus(rc retryClass, e *APIError) bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests:
		return !isQuotaCode(e.Code)
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return rc == retrySafe
	}
	return false
}

// retryableNetError reports whether a transport error may be retried.
func retryableNetError(rc retryClass, err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if notSent(err) {
		return true
	}
	return rc == retrySafe
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

// sleepContext waits for d or until ctx is done, whichever comes first.
func sleepContext(ctx context.Context, d time.Duration) error {
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
func (c *Client) waitBeforeRetry(ctx context.Context, op string, n int, retryAfter time.Duration, cause error) bool {
	d := c.retry.backoff(n)
	if retryAfter > 0 {
		d = min(retryAfter, c.retry.MaxRetryAfter)
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	if c.logger.Enabled(ctx, slog.LevelInfo) {
		c.logger.LogAttrs(ctx, slog.LevelInfo, "tlpartner: retrying",
			slog.String("op", op),
			slog.Int("retry", n),
			slog.Duration("wait", d),
			slog.String("cause", causeString(cause)),
		)
	}
	return c.sleep(ctx, d) == nil
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
