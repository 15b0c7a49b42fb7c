package tlpartner

import (
	"time"

	"github.com/tlpartner/tlpartner-go/internal/engine"
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
// exhausted ("quota_exceeded", see [ErrQuotaExceeded]) is never retried,
// since waiting will not refill the quota. Failures to connect (dial or DNS
// errors) are retried for every operation: the request never left the
// client. Every other status (4xx, 500, 501, ...) is returned at once. To
// avoid 429s in bulk work, pace requests on the client side with
// [WithRateLimit] or [WithRateLimiter]; retries then wait for a token too.
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
// publicapi.RetryPolicy has the same fields, so one value configures both
// clients after a conversion: publicapi.RetryPolicy(p).
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt; 0
	// disables retries. Default 2 ([DefaultMaxRetries]); negative values
	// are invalid.
	MaxRetries int `json:"max_retries"`
	// BaseDelay is the backoff ceiling before the first retry; it doubles
	// for every further retry. Default 1s ([DefaultBaseDelay]).
	BaseDelay time.Duration `json:"base_delay"`
	// MaxDelay caps the backoff ceiling. Default 16s ([DefaultMaxDelay]).
	MaxDelay time.Duration `json:"max_delay"`
	// MaxRetryAfter caps a wait requested by the server through
	// Retry-After. Default 16s ([DefaultMaxRetryAfter]).
	MaxRetryAfter time.Duration `json:"max_retry_after"`
}

// Default retry settings; see [DefaultRetryPolicy].
const (
	// DefaultMaxRetries is the default number of retries after the first
	// attempt.
	DefaultMaxRetries = engine.DefaultMaxRetries
	// DefaultBaseDelay is the default backoff ceiling before the first
	// retry (the docs advise 1s, 2s, 4s, 8s, 16s).
	DefaultBaseDelay = engine.DefaultBaseDelay
	// DefaultMaxDelay is the default cap of the backoff ceiling.
	DefaultMaxDelay = engine.DefaultMaxDelay
	// DefaultMaxRetryAfter is the default cap of a Retry-After wait.
	DefaultMaxRetryAfter = engine.DefaultMaxRetryAfter
)

// DefaultRetryPolicy returns the policy a [Client] uses unless told
// otherwise: 2 retries, backoff base 1s, backoff cap 16s, Retry-After capped
// at 16s.
func DefaultRetryPolicy() RetryPolicy { return RetryPolicy(engine.DefaultRetryPolicy()) }

// WithRetryPolicy replaces the retry budget. Zero durations in p mean the
// defaults; p.MaxRetries is used as given (0 disables retries). Negative
// values are a [*ValidationError] whose Field names the policy field (for
// example "RetryPolicy.MaxRetries").
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *clientConfig) error { return c.SetRetryPolicy(engine.RetryPolicy(p)) }
}

// WithMaxRetries sets only [RetryPolicy.MaxRetries], keeping the rest of the
// policy. The default is 2; 0 disables retries; negative n is a
// [*ValidationError].
func WithMaxRetries(n int) Option {
	return func(c *clientConfig) error { return c.SetMaxRetries(n) }
}
