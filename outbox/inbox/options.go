package inbox

import (
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/engine"
	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/internal/settings"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

// Defaults of the options.
const (
	// DefaultCatchUpInterval is how often the catch-up runs unless
	// [WithCatchUpInterval] says otherwise.
	DefaultCatchUpInterval = time.Minute
	// DefaultLookBack is how far before its checkpoint the catch-up looks
	// unless [WithLookBack] says otherwise.
	DefaultLookBack = 10 * time.Minute
	// DefaultRetention is how long delivered UIDs are remembered unless
	// [WithRetention] says otherwise.
	DefaultRetention = 7 * 24 * time.Hour
	// DefaultDeliveryTimeout bounds one callback unless
	// [WithDeliveryTimeout] says otherwise.
	DefaultDeliveryTimeout = 30 * time.Second
)

// ClientFunc returns the Public API client of a workspace, as for the
// outbox. The inbox calls it for every catch-up and every chat it
// delivers from; the client's rate limiter and retry policy apply to every
// call the inbox makes.
type ClientFunc = outbox.ClientFunc

// Option configures an [Inbox] in [Open]. Options are applied in order;
// when one is given twice the last one wins. An invalid value makes Open
// fail with a [*ValidationError] naming the option.
type Option func(*config) error

type config struct {
	tokens          *urlTokens // behind a pointer: fmt prints its address, not the tokens
	publicURL       *url.URL
	interval        time.Duration
	lookBack        time.Duration
	retention       time.Duration
	deliveryTimeout time.Duration
	workers         int
	outgoing        bool
	pollInterval    time.Duration
	logger          *slog.Logger
	onProblem       func(SubscriptionProblem)
	maxBody         int64
	retryBase       time.Duration
	retryMax        time.Duration
}

func defaultConfig() config {
	return config{
		interval:        DefaultCatchUpInterval,
		lookBack:        DefaultLookBack,
		retention:       DefaultRetention,
		deliveryTimeout: DefaultDeliveryTimeout,
		workers:         10,
		pollInterval:    time.Second,
		logger:          settings.Logger(nil),
		maxBody:         events.DefaultMaxBodyBytes,
		retryBase:       time.Second,
		retryMax:        10 * time.Minute,
	}
}

func invalid(field, reason string) error {
	return engine.ValidationAs[ValidationError]("inbox", field, reason)
}

// WithURLToken sets the secret URL token(s) the [Inbox.Handler] accepts
// as the last path segment of a delivery's URL; required. Give several
// while moving subscriptions to a new token; [Inbox.WebhookURL] uses the
// first. Tokens follow the rules of [events.WithPathToken]; make one with
// [events.GenerateToken].
func WithURLToken(tokens ...string) Option {
	return func(c *config) error {
		if len(tokens) == 0 {
			return invalid("WithURLToken", "no token")
		}
		// events.NewHandler checks the characters and the length.
		if _, err := events.NewHandler(events.WithPathToken(tokens...)); err != nil {
			return invalid("WithURLToken", "tokens must be at least 16 characters of A-Z a-z 0-9 - . _ ~")
		}
		c.tokens = &urlTokens{list: append([]string(nil), tokens...)}
		return nil
	}
}

// WithPublicURL sets the public URL at which [Inbox.Handler] is mounted,
// for example "https://crm.example.com/timelines/inbox". A workspace's
// subscription URL is then <publicURL>/<workspaceID>/<token>
// ([Inbox.WebhookURL]), and the catch-up reports subscriptions that point
// anywhere else. Without it, a subscription counts as the inbox's when its
// path ends in /<workspaceID>/<token> with an accepted token.
func WithPublicURL(u string) Option {
	return func(c *config) error {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			return invalid("WithPublicURL", "must be an absolute http or https URL without query or fragment")
		}
		p.Path = strings.TrimSuffix(p.Path, "/")
		c.publicURL = p
		return nil
	}
}

// WithCatchUpInterval sets how often the catch-up runs for every
// workspace (default [DefaultCatchUpInterval]; at least one second). A
// message whose webhook was lost is delivered within about one interval.
func WithCatchUpInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Second {
			return invalid("WithCatchUpInterval", "must be at least 1s")
		}
		c.interval = d
		return nil
	}
}

// WithLookBack sets how far before its checkpoint the catch-up lists
// messages (default [DefaultLookBack]): it covers clocks that disagree
// and messages that the Public API lists a little later than their
// timestamp. It must be positive.
func WithLookBack(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("WithLookBack", "must be positive")
		}
		c.lookBack = d
		return nil
	}
}

// WithRetention sets how long the inbox remembers a delivered message's
// UID (default [DefaultRetention]). It must be longer than the look-back
// plus two catch-up intervals, or a message could be delivered twice.
func WithRetention(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("WithRetention", "must be positive")
		}
		c.retention = d
		return nil
	}
}

// WithDeliveryTimeout bounds one run of the callback (default
// [DefaultDeliveryTimeout]); a callback that overruns it fails and is
// retried. A chat's delivery lease lasts twice this plus 5 seconds, so a
// crashed process holds up its chats for about that long.
func WithDeliveryTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("WithDeliveryTimeout", "must be positive")
		}
		c.deliveryTimeout = d
		return nil
	}
}

// WithWorkers sets how many chats one process delivers from at once
// (default 10). Messages of one chat are always delivered one after the
// other.
func WithWorkers(n int) Option {
	return func(c *config) error {
		if r := settings.Workers(n); r != "" {
			return invalid("WithWorkers", r)
		}
		c.workers = n
		return nil
	}
}

// WithOutgoing also delivers the messages the workspace sends: from the
// API, the TimelinesAI app or the phone. By default only incoming
// messages are delivered. Subscribe message:sent:new too (or message:new
// instead of both).
func WithOutgoing() Option {
	return func(c *config) error {
		c.outgoing = true
		return nil
	}
}

// WithPollInterval sets how often an idle worker looks for new jobs in
// the store (default 1s); River also wakes workers on Postgres's
// LISTEN/NOTIFY.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < 10*time.Millisecond {
			return invalid("WithPollInterval", "must be at least 10ms")
		}
		c.pollInterval = d
		return nil
	}
}

// WithLogger makes the inbox log to l: rejected deliveries (through
// [events.WithLogger]), failed callbacks and catch-ups, and subscription
// problems (Warn). Records never carry a URL token or a message text. A
// nil l turns logging off (the default).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = settings.Logger(l)
		return nil
	}
}

// WithProblemHook calls fn for every subscription problem a catch-up
// finds, for example to count it in your metrics. fn must be quick and
// safe for concurrent use. A nil fn removes the hook.
func WithProblemHook(fn func(SubscriptionProblem)) Option {
	return func(c *config) error {
		c.onProblem = fn
		return nil
	}
}

// WithMaxBodyBytes sets the largest delivery body the handler reads
// (default [events.DefaultMaxBodyBytes]).
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return invalid("WithMaxBodyBytes", "must be positive")
		}
		c.maxBody = n
		return nil
	}
}

// WithRetryBackoff sets the pause before a failed callback is retried: base
// after the first failure, doubling with each further one up to max
// (defaults 1s and 10 minutes). A message is retried up to 1,000 times;
// later messages of its chat wait for it.
func WithRetryBackoff(base, max time.Duration) Option {
	return func(c *config) error {
		if base <= 0 || max < base {
			return invalid("WithRetryBackoff", "base must be positive and max at least base")
		}
		c.retryBase, c.retryMax = base, max
		return nil
	}
}

// urlTokens holds the URL tokens in the clear (needed for
// [Inbox.WebhookURL]).
type urlTokens struct{ list []string }
