package webhooks

import (
	"errors"
	"log/slog"
	"time"
)

// DefaultLeeway is the clock-skew tolerance applied to the exp and nbf
// claims unless [WithLeeway] says otherwise.
const DefaultLeeway = 30 * time.Second

// DefaultMaxBodyBytes is the largest body a [Handler] reads unless
// [WithMaxBodyBytes] says otherwise (1 MiB). Documented payloads are a few
// hundred bytes.
const DefaultMaxBodyBytes int64 = 1 << 20

// HandlerOption configures [NewHandler]. Every [VerifyOption] is also a
// HandlerOption.
type HandlerOption interface {
	applyHandler(*handlerConfig) error
}

// VerifyOption configures signature verification in [NewVerifier],
// [ConstructEvent] and [NewHandler].
type VerifyOption interface {
	HandlerOption
	applyVerify(*verifyConfig) error
}

type verifyConfig struct {
	secrets []string
	leeway  time.Duration
	now     func() time.Time
}

type handlerConfig struct {
	verify   verifyConfig
	maxBody  int64
	logger   *slog.Logger
	dedup    Deduplicator
	dedupTTL time.Duration
}

type verifyOption func(*verifyConfig) error

func (o verifyOption) applyVerify(c *verifyConfig) error   { return o(c) }
func (o verifyOption) applyHandler(c *handlerConfig) error { return o(&c.verify) }

type handlerOption func(*handlerConfig) error

func (o handlerOption) applyHandler(c *handlerConfig) error { return o(c) }

// WithSecrets adds Partner Secrets that are accepted in addition to the one
// passed to the constructor. A token is accepted when it verifies with any
// configured secret, which lets a partner rotate its secret without
// downtime: configure old and new secret together, switch, then drop the
// old one. Empty secrets are an error.
func WithSecrets(secrets ...string) VerifyOption {
	return verifyOption(func(c *verifyConfig) error {
		for _, s := range secrets {
			if s == "" {
				return errors.New("webhooks: WithSecrets: empty secret")
			}
		}
		c.secrets = append(c.secrets, secrets...)
		return nil
	})
}

// WithLeeway sets the clock-skew tolerance for the exp and nbf claims
// (default [DefaultLeeway], 30 s). A token is accepted from nbf-leeway until
// exp+leeway. Negative values are an error; 0 disables the tolerance.
func WithLeeway(d time.Duration) VerifyOption {
	return verifyOption(func(c *verifyConfig) error {
		if d < 0 {
			return errors.New("webhooks: WithLeeway: negative leeway")
		}
		c.leeway = d
		return nil
	})
}

// WithClock sets the function that returns the current time when checking
// exp and nbf (default [time.Now]). It is meant for tests.
func WithClock(now func() time.Time) VerifyOption {
	return verifyOption(func(c *verifyConfig) error {
		if now == nil {
			return errors.New("webhooks: WithClock: nil clock")
		}
		c.now = now
		return nil
	})
}

// WithMaxBodyBytes sets the largest request body a [Handler] reads (default
// [DefaultMaxBodyBytes], 1 MiB). Larger bodies are answered with 413.
// n must be positive.
func WithMaxBodyBytes(n int64) HandlerOption {
	return handlerOption(func(c *handlerConfig) error {
		if n <= 0 {
			return errors.New("webhooks: WithMaxBodyBytes: limit must be positive")
		}
		c.maxBody = n
		return nil
	})
}

// WithLogger makes a [Handler] log rejected deliveries (Warn) and failed
// callbacks (Error) to l, and with [WithDeduplicator] also duplicates
// (Info) and de-duplication store failures (Warn). Records carry the
// reason, the event type, the dedup key and the remote address, never the
// token or the secret. By default nothing is logged. A nil l disables
// logging.
func WithLogger(l *slog.Logger) HandlerOption {
	return handlerOption(func(c *handlerConfig) error {
		c.logger = l
		return nil
	})
}

// DefaultDedupTTL is how long a [Handler] with [WithDeduplicator] keeps an
// event's key unless [WithDedupTTL] says otherwise: 10 minutes. It covers
// the replay window of a signed delivery (the token is valid up to 3
// minutes after sending plus the 30 s default leeway, about 3.5 minutes)
// with room for a quick retry by the sender. The Handler never passes a TTL
// shorter than the verified token's remaining lifetime (exp plus leeway).
const DefaultDedupTTL = 10 * time.Minute

// WithDeduplicator makes a [Handler] claim each event's [Event.DedupKey]
// with d before running a callback. A delivery whose key is already claimed
// is answered 200 without running a callback and logged (Info). A callback
// that fails releases the claim, so that the sender's retry runs it again.
// When d fails (Claim returns an error) the event is processed anyway and
// the failure is logged (Warn): a lost webhook is worse than a duplicate.
// The default is no de-duplication; a nil d keeps it off.
//
// Use [NewMemoryDeduplicator] for a single process, and a shared store
// (module github.com/tlpartner/tlpartner-go/tlredis) when several replicas
// receive deliveries.
func WithDeduplicator(d Deduplicator) HandlerOption {
	return handlerOption(func(c *handlerConfig) error {
		c.dedup = d
		return nil
	})
}

// WithDedupTTL sets how long a [Handler] with [WithDeduplicator] keeps an
// event's key (default [DefaultDedupTTL]). It must be positive.
func WithDedupTTL(ttl time.Duration) HandlerOption {
	return handlerOption(func(c *handlerConfig) error {
		if ttl <= 0 {
			return errors.New("webhooks: WithDedupTTL: ttl must be positive")
		}
		c.dedupTTL = ttl
		return nil
	})
}
