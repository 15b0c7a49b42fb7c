package events

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/engine"
	"github.com/tlpartner/tlpartner-go/webhooks"

	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// DefaultMaxBodyBytes is the largest body a [Handler] reads unless
// [WithMaxBodyBytes] says otherwise (1 MiB). Documented payloads are about
// a kilobyte; attachments arrive as URLs, not content.
const DefaultMaxBodyBytes int64 = 1 << 20

// DefaultDedupTTL is how long a [Handler] with [WithDeduplicator] keeps an
// event's key unless [WithDedupTTL] says otherwise: 10 minutes, the same as
// [webhooks.DefaultDedupTTL]. The Public API's retry schedule is not
// documented; raise the TTL if you see re-sends arrive later.
const DefaultDedupTTL = webhooks.DefaultDedupTTL

// MinTokenLength is the shortest URL token [WithPathToken] and
// [WithQueryToken] accept. [GenerateToken] makes 43-character tokens.
const MinTokenLength = 16

// Option configures [NewHandler]. An invalid value makes NewHandler fail
// with a *[webhooks.ValidationError] (errors.As also fills a
// *tlpartner.ValidationError from it) whose Field names the option. A nil
// Option is ignored; when an option is given twice, the last one wins (the
// token options add up: every configured check must pass). A nil argument
// means the option's default, as for every option of the module (see the
// tlpartner package documentation, "Options").
type Option func(*config) error

// invalid returns the *ValidationError for a bad option.
func invalid(option, reason string) error {
	return engine.ValidationAs[webhooks.ValidationError]("events", option, reason)
}

type config struct {
	maxBody  int64
	logger   *slog.Logger
	dedup    webhooks.Deduplicator
	dedupTTL time.Duration
	checks   []tokenCheck
	observer tlhttp.DeliveryObserver
}

// WithMaxBodyBytes sets the largest request body a [Handler] reads (default
// [DefaultMaxBodyBytes]). Larger bodies are answered with 413. n must be
// positive.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return invalid("WithMaxBodyBytes", "must be positive")
		}
		c.maxBody = n
		return nil
	}
}

// WithLogger makes a [Handler] log rejected deliveries (Warn), failed
// callbacks (Error) and, with [WithDeduplicator], duplicates (Info) and
// de-duplication store failures (Warn) to l. Records carry the reason, the
// event type, the dedup key and the remote address; never the request URL
// (which holds the URL token) or the body. By default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithDeduplicator makes a [Handler] claim each event's [Event.DedupKey]
// with d before running a callback, exactly as [webhooks.WithDeduplicator]
// does for Partner webhooks: a delivery whose key is already claimed is
// answered 200 without running a callback (and logged), a failing callback
// releases the claim so that the sender's retry runs it again, and a store
// failure processes the event anyway. The default is no de-duplication; a
// nil d keeps it off. [webhooks.NewMemoryDeduplicator] serves one process.
func WithDeduplicator(d webhooks.Deduplicator) Option {
	return func(c *config) error {
		c.dedup = d
		return nil
	}
}

// WithDedupTTL sets how long a [Handler] with [WithDeduplicator] keeps an
// event's key (default [DefaultDedupTTL]). It must be positive.
func WithDedupTTL(ttl time.Duration) Option {
	return func(c *config) error {
		if ttl <= 0 {
			return invalid("WithDedupTTL", "must be positive")
		}
		c.dedupTTL = ttl
		return nil
	}
}

// WithPathToken makes a [Handler] accept only requests whose last path
// segment equals one of tokens, compared in constant time; others get 401
// before the body is read. Put the token in the subscription URL
// ("https://example.com/timelines/events/<token>") and mount the Handler on
// a pattern that matches it ("POST /timelines/events/{token}").
//
// This is NOT a signature and does not authenticate TimelinesAI: it proves
// only that the sender knows the URL. Anyone who sees the URL (a proxy, an
// access log, a teammate with access to the workspace's webhook settings)
// can send forged events, and the body is not protected. See the package
// documentation.
//
// Give several tokens while moving subscriptions from an old URL to a new
// one. Tokens must be at least [MinTokenLength] characters of the URL's
// unreserved set (A-Z a-z 0-9 - . _ ~), as [GenerateToken] makes them.
func WithPathToken(tokens ...string) Option {
	return func(c *config) error {
		check, err := newTokenCheck("WithPathToken", "", tokens)
		if err != nil {
			return err
		}
		c.checks = append(c.checks, check)
		return nil
	}
}

// WithQueryToken is like [WithPathToken] for a token in the query parameter
// param ("https://example.com/timelines/events?token=<token>"). A request
// that repeats the parameter is refused. Query strings show up in more logs
// than paths; prefer [WithPathToken]. With both options, a request must
// pass both checks.
func WithQueryToken(param string, tokens ...string) Option {
	return func(c *config) error {
		if param == "" {
			return invalid("WithQueryToken", "empty parameter name")
		}
		check, err := newTokenCheck("WithQueryToken", param, tokens)
		if err != nil {
			return err
		}
		c.checks = append(c.checks, check)
		return nil
	}
}

func newTokenCheck(option, param string, tokens []string) (tokenCheck, error) {
	if len(tokens) == 0 {
		return tokenCheck{}, invalid(option, "no token")
	}
	c := tokenCheck{param: param}
	for _, t := range tokens {
		if len(t) < MinTokenLength {
			return tokenCheck{}, invalid(option, "token shorter than 16 characters")
		}
		for i := 0; i < len(t); i++ {
			if !unreserved(t[i]) {
				return tokenCheck{}, invalid(option, "token has a character outside A-Z a-z 0-9 - . _ ~")
			}
		}
		c.sums = append(c.sums, sha256.Sum256([]byte(t)))
	}
	return c, nil
}

func unreserved(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '.' || b == '_' || b == '~'
}

// GenerateToken returns a new random URL token for [WithPathToken] or
// [WithQueryToken]: 32 bytes from crypto/rand, base64url-encoded without
// padding (43 characters).
func GenerateToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// WithDeliveryObserver makes a [Handler] report every delivery to o: it is
// called when the request arrives (its context reaches the callbacks) and
// told the outcome, the event type and the status once the answer is
// written (see [tlhttp.DeliveryObserver]). The module tlotel provides one
// that records a server span and delivery metrics. Nothing secret reaches
// o through the [tlhttp.Delivery]; the *http.Request it receives is the
// delivery's own, whose URL may hold the token of [WithPathToken] or
// [WithQueryToken], so an observer must not record the URL. A nil o
// removes the observer, which is the default.
func WithDeliveryObserver(o tlhttp.DeliveryObserver) Option {
	return func(c *config) error {
		c.observer = o
		return nil
	}
}
