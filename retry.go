package tlpartner

// This file implements retries; the policy and the per-operation table are
// documented on [RetryPolicy] below so that they show up in the package
// documentation. In short:
//
//   - default 2 retries (WithMaxRetries(0) disables them);
//   - full-jitter exponential backoff, base 1s, cap 16s;
//   - Retry-After honoured, capped at 16s;
//   - sleeps stop at once when the context is done;
//   - 429 is retried for every operation unless its code says a quota is
//     exhausted; network errors and 502/503/504 only for operations that
//     are safe to repeat (GET, PATCH, DisconnectWhatsApp, GenerateQR,
//     RotatePublicAPIToken); CreateWorkspace and CreateUsers are never
//     retried after an ambiguous failure.

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

// RetryPolicy sets the retry budget of a [Client]: how many times and how
// long it waits before repeating a failed request. Which failures are
// retried is not configurable; it follows from whether repeating the
// operation is safe:
//
//	Operation             Request                                                 429  network error, 502/503/504
//	GetWorkspace          GET   /workspaces/{id}                                  yes  yes: read-only
//	GetPublicAPIToken     GET   /workspaces/{id}/api-token                        yes  yes: read-only
//	UpdateWorkspace       PATCH /workspaces/{id}                                  yes  yes: same body, same end state
//	DisconnectWhatsApp    POST  /workspaces/{id}/users/{uid}/whatsapp/disconnect  yes  yes: idempotent per the docs
//	GenerateQR            POST  /workspaces/{id}/users/{uid}/qr                   yes  yes: a repeat only replaces the link
//	RotatePublicAPIToken  POST  /workspaces/{id}/api-token                        yes  yes: a repeat only rotates again
//	CreateWorkspace       POST  /workspaces                                       yes  no: could create a second workspace
//	CreateUsers           POST  /workspaces/{id}/users                            yes  no: could add users and use seats
//	Do                    GET HEAD PUT DELETE PATCH OPTIONS                       yes  yes
//	Do                    POST and other methods                                  yes  no
//
// A 429 is retried for every operation because the rate limiter rejects a
// request before processing it; but a 429 whose error code says a quota is
// exhausted (such as "quota_exceeded") is never retried, since waiting will
// not refill the quota. Failures to connect (dial or DNS errors) are retried
// for every operation: the request never left the client. Every other
// status (4xx, 500, 501, ...) is returned at once. To avoid 429s in bulk
// work, pace requests on the client side with [WithRateLimit]; retries then
// wait for a token too.
//
// Waits use exponential backoff with full jitter: before retry n the client
// sleeps a random duration in [0, min(MaxDelay, BaseDelay·2^(n-1))); with the
// defaults the ceilings are 1s, 2s, 4s, 8s, 16s, 16s, ... A Retry-After
// header (seconds or HTTP date) replaces the backoff, capped at
// MaxRetryAfter. Waits end as soon as the context is done, and a wait that
// would outlast the context's deadline is skipped: the last error is
// returned immediately. Each attempt mints a fresh JWT.
//
// Zero durations mean "use the default"; MaxRetries is used as given, so
// RetryPolicy{} disables retries. The default is [DefaultRetryPolicy].
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
