package webhooks

import (
	"log/slog"
	"time"

	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// DefaultLeeway is the clock-skew tolerance applied to the exp and nbf
// claims unless [WithLeeway] says otherwise.
const DefaultLeeway = 30 * time.Second

// DefaultMaxBodyBytes is the largest body a [Handler] reads unless
// [WithMaxBodyBytes] says otherwise (1 MiB). Documented payloads are a few
// hundred bytes.
const DefaultMaxBodyBytes int64 = 1 << 20

// DefaultDedupTTL is how long a [Handler] with [WithDeduplicator] keeps an
// event's key unless [WithDedupTTL] says otherwise: 10 minutes. It covers
// the replay window of a signed delivery (the token is valid up to 3
// minutes after sending plus the 30 s default leeway, about 3.5 minutes)
// with room for a quick retry by the sender. The Handler never passes a TTL
// shorter than the verified token's remaining lifetime (exp plus leeway).
const DefaultDedupTTL = 10 * time.Minute

// Option configures [NewHandler], [NewVerifier] and [ConstructEvent]. Every
// option works with NewHandler; the verification options ([WithSecrets],
// [WithLeeway], [WithClock]) also with NewVerifier and ConstructEvent,
// which refuse the others. An invalid value makes the constructor fail
// with a *[ValidationError] whose Field names the option. A nil Option is
// ignored; when an option is given twice, the last one wins (WithSecrets
// adds up). A nil argument means the option's default, as for every option
// of the module (see the tlpartner package documentation, "Options").
type Option func(*config) error

type config struct {
	// Verification.
	secrets []string
	leeway  time.Duration
	now     func() time.Time
	// Handler only.
	maxBody     int64
	logger      *slog.Logger
	dedup       Deduplicator
	dedupTTL    time.Duration
	observer    tlhttp.DeliveryObserver
	handlerOnly string // the first handler-only option given
}

func defaultConfig() config {
	return config{leeway: DefaultLeeway, now: time.Now, maxBody: DefaultMaxBodyBytes, dedupTTL: DefaultDedupTTL}
}

// apply runs opts on a default config. forHandler is false for the
// verifier constructors, which refuse handler-only options.
func apply(opts []Option, forHandler bool) (config, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return cfg, err
		}
	}
	if !forHandler && cfg.handlerOnly != "" {
		return cfg, invalid(cfg.handlerOnly, "applies only to NewHandler")
	}
	return cfg, nil
}

// invalid returns the *ValidationError for a bad option or argument.
func invalid(field, reason string) error {
	return &ValidationError{Field: field, Reason: reason}
}

// handlerOption marks an option that only [NewHandler] accepts.
func handlerOption(name string, set func(*config) error) Option {
	return func(c *config) error {
		if c.handlerOnly == "" {
			c.handlerOnly = name
		}
		return set(c)
	}
}

// WithSecrets adds Partner Secrets that are accepted in addition to the one
// passed to the constructor. A token is accepted when it verifies with any
// configured secret, which lets a partner rotate its secret without
// downtime: configure old and new secret together, switch, then drop the
// old one. Empty secrets are an error.
func WithSecrets(secrets ...string) Option {
	return func(c *config) error {
		for _, s := range secrets {
			if s == "" {
				return invalid("WithSecrets", "empty secret")
			}
		}
		c.secrets = append(c.secrets, secrets...)
		return nil
	}
}

// WithLeeway sets the clock-skew tolerance for the exp and nbf claims
// (default [DefaultLeeway], 30 s). A token is accepted from nbf-leeway until
// exp+leeway. Negative values are an error; 0 disables the tolerance.
func WithLeeway(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return invalid("WithLeeway", "must not be negative")
		}
		c.leeway = d
		return nil
	}
}

// WithClock sets the function that returns the current time when checking
// exp and nbf (default [time.Now]; nil means the default).
//
// Testing knob: it exists for tests that sign deliveries at a fixed time.
// Production code has no reason to set it; README "Testing knobs" lists
// every such option.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			now = time.Now
		}
		c.now = now
		return nil
	}
}

// WithMaxBodyBytes sets the largest request body a [Handler] reads (default
// [DefaultMaxBodyBytes], 1 MiB). Larger bodies are answered with 413.
// n must be positive. Handler only.
func WithMaxBodyBytes(n int64) Option {
	return handlerOption("WithMaxBodyBytes", func(c *config) error {
		if n <= 0 {
			return invalid("WithMaxBodyBytes", "must be positive")
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
// logging. Handler only.
func WithLogger(l *slog.Logger) Option {
	return handlerOption("WithLogger", func(c *config) error {
		c.logger = l
		return nil
	})
}

// WithDeduplicator makes a [Handler] claim each event's [Event.DedupKey]
// with d before running a callback. A delivery whose key is already claimed
// is answered 200 without running a callback and logged (Info). A callback
// that fails releases the claim, so that the sender's retry runs it again.
// When d fails (Claim returns an error) the event is processed anyway and
// the failure is logged (Warn): a lost webhook is worse than a duplicate.
// The default is no de-duplication; a nil d keeps it off. Handler only.
//
// Use [NewMemoryDeduplicator] for a single process, and a shared store
// (module github.com/tlpartner/tlpartner-go/tlredis) when several replicas
// receive deliveries.
func WithDeduplicator(d Deduplicator) Option {
	return handlerOption("WithDeduplicator", func(c *config) error {
		c.dedup = d
		return nil
	})
}

// WithDedupTTL sets how long a [Handler] with [WithDeduplicator] keeps an
// event's key (default [DefaultDedupTTL]). It must be positive. Handler
// only.
func WithDedupTTL(ttl time.Duration) Option {
	return handlerOption("WithDedupTTL", func(c *config) error {
		if ttl <= 0 {
			return invalid("WithDedupTTL", "must be positive")
		}
		c.dedupTTL = ttl
		return nil
	})
}

// WithDeliveryObserver makes a [Handler] report every delivery to o: it is
// called when the request arrives (its context reaches the callbacks) and
// told the outcome, the event type and the status once the answer is
// written (see [tlhttp.DeliveryObserver]). The module tlotel provides one
// that records a server span and delivery metrics. Nothing secret reaches
// o through the [tlhttp.Delivery]; the *http.Request it receives is the
// delivery's own, signature header included, so an observer must not
// record its headers. A nil o removes the observer, which is the default.
// Handler only.
func WithDeliveryObserver(o tlhttp.DeliveryObserver) Option {
	return handlerOption("WithDeliveryObserver", func(c *config) error {
		c.observer = o
		return nil
	})
}
