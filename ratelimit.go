package tlpartner

import (
	"context"

	"github.com/tlpartner/tlpartner-go/internal/engine"
)

// Server-side rate limits as documented by TimelinesAI ("Rate limits"). They
// apply per source IP address, not per partner or token: every integration
// sending from the same IP shares them. A [Client] does not enforce them
// unless configured with [WithRateLimit] or [WithRateLimiter].
const (
	// ServerRateLimit is the sustained rate, in requests per second, that
	// TimelinesAI documents as allowed per source IP address.
	ServerRateLimit = engine.ServerRateLimit
	// ServerRateBurst is the number of requests above ServerRateLimit
	// that TimelinesAI documents as queued (served late) rather than
	// rejected; beyond that, about 40 requests per second, it answers
	// 429 Too Many Requests.
	ServerRateBurst = engine.ServerRateBurst
)

// Limiter paces a client's requests: Wait blocks until one request may be
// sent, and returns an error without waiting further when ctx is done (or
// when it knows ctx's deadline would pass first). A *rate.Limiter from
// golang.org/x/time/rate satisfies it unchanged; so does a limiter shared by
// several processes, such as the one of the tlredis module. publicapi.Limiter
// has the same method, so one value paces both clients.
type Limiter interface {
	Wait(ctx context.Context) error
}

// WithRateLimit makes the client pace its own requests with a token bucket
// (a *rate.Limiter of golang.org/x/time/rate) that refills at perSecond
// tokens per second and holds at most burst tokens (it starts full). The
// bucket is shared by all calls of the [Client], from any goroutine. Every
// HTTP attempt, including each retry, takes one token before it is sent;
// when none is left the call waits for the next one. The wait honours the
// context: when the context ends during the wait, or its deadline would
// pass before a token is available, the call returns at once, without
// sending, with an error that matches the context's error
// (context.Canceled or context.DeadlineExceeded) through errors.Is. A
// request that waited is logged at Debug level with the wait.
//
// The default is no limiter. TimelinesAI limits requests per source IP
// address ([ServerRateLimit] per second plus a burst of [ServerRateBurst]),
// and the client cannot see other clients or processes sharing that IP, so
// no default could be right. Bulk work such as provisioning many
// workspaces should use a limiter with headroom for the other traffic, for
// example WithRateLimit(25, 10). The limiter belongs to one Client; share
// the Client (it is safe for concurrent use) to share the budget, or pass
// one limiter to several clients with [WithRateLimiter]. A 429 that happens
// anyway is retried as described on [RetryPolicy].
//
// perSecond must be positive and finite and burst at least 1; other values
// are a [*ValidationError] with Field "WithRateLimit". WithRateLimit and
// [WithRateLimiter] replace each other; the last one given wins.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *clientConfig) error { return c.SetRateLimit(perSecond, burst) }
}

// WithRateLimiter makes every HTTP attempt of the client, retries included,
// call l.Wait(ctx) before it is sent. l may be shared by several clients
// (including Public API clients) or, through an implementation such as the
// tlredis module's, by several processes behind one IP address. A
// *rate.Limiter satisfies [Limiter] unchanged:
//
//	lim := rate.NewLimiter(25, 10)
//	partner, _ := tlpartner.NewClient(id, secret, tlpartner.WithRateLimiter(lim))
//
// When Wait returns an error the call fails at once without sending: the
// error matches the context's error when the context ended, and
// context.DeadlineExceeded when a *rate.Limiter refused a wait that would
// outlast the deadline. Waits of a millisecond or more are logged at Debug
// level. A nil l (or a typed nil pointer) removes the limiter, the default.
func WithRateLimiter(l Limiter) Option {
	return func(c *clientConfig) error { return c.SetRateLimiter(l) }
}
