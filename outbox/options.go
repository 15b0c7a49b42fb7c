package outbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/engine"
	"github.com/tlpartner/tlpartner-go/outbox/internal/settings"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

// ClientFunc returns the Public API client of a workspace. The outbox
// calls it in Send (an error there, such as an unknown workspace, refuses
// the message before anything is stored) and before every attempt. The
// Get method of a tlpartner.PublicAPIPool fits (pass pool.Get), as does a
// closure over tlpartner.Client.PublicAPI or a map of clients made with
// publicapi.NewClient. The client's rate limiter, retry policy and token
// refresh apply to every call the outbox makes.
type ClientFunc func(ctx context.Context, workspaceID string) (*publicapi.Client, error)

// Option configures an [Outbox] in [Open]. Options are applied in order;
// when one is given twice the last one wins. An invalid value makes Open
// fail with a [*ValidationError] naming the option.
type Option func(*config) error

type config struct {
	workers           int
	settleWindow      time.Duration
	reconcileInterval time.Duration
	clockSkew         time.Duration
	retryBase         time.Duration
	retryMax          time.Duration
	maxRefusals       int
	maxReconcileFails int
	attemptTimeout    time.Duration
	rescueAfter       time.Duration
	pollInterval      time.Duration
	chatWait          time.Duration
	retention         time.Duration
	logger            *slog.Logger
	onChange          func(Status)
}

func defaultConfig() config {
	return config{
		workers:           10,
		settleWindow:      2 * time.Minute,
		reconcileInterval: 5 * time.Second,
		clockSkew:         time.Minute,
		retryBase:         time.Second,
		retryMax:          time.Minute,
		maxRefusals:       20,
		maxReconcileFails: 10,
		attemptTimeout:    time.Minute,
		rescueAfter:       5 * time.Minute,
		pollInterval:      time.Second,
		chatWait:          5 * time.Second,
		retention:         30 * 24 * time.Hour,
		logger:            settings.Logger(nil),
	}
}

func invalid(field, reason string) error {
	return engine.ValidationAs[ValidationError]("outbox", field, reason)
}

func positive(name string, d time.Duration) error {
	if d <= 0 {
		return invalid(name, "must be positive")
	}
	return nil
}

// WithWorkers sets how many entries one process works on at once (default
// 10). Entries of one chat are always sent one after the other.
func WithWorkers(n int) Option {
	return func(c *config) error {
		if r := settings.Workers(n); r != "" {
			return invalid("WithWorkers", r)
		}
		c.workers = n
		return nil
	}
}

// WithSettleWindow sets how long after an ambiguous attempt the outbox
// keeps looking for the message before it concludes that the message was
// not sent and sends it again (default 2 minutes). A longer window lowers
// the chance of a duplicate from a message that becomes visible late, and
// delays the resend of a message that truly was lost. See the package
// documentation.
func WithSettleWindow(d time.Duration) Option {
	return func(c *config) error {
		c.settleWindow = d
		return positive("WithSettleWindow", d)
	}
}

// WithReconcileInterval sets how often, within the settle window, the
// outbox lists the chat again to look for the message of an ambiguous
// attempt (default 5 s).
func WithReconcileInterval(d time.Duration) Option {
	return func(c *config) error {
		c.reconcileInterval = d
		return positive("WithReconcileInterval", d)
	}
}

// WithClockSkew sets the margin subtracted from an attempt's start time
// when listing the chat's messages, to allow for clock differences
// between this machine and the server (default 1 minute).
func WithClockSkew(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return invalid("WithClockSkew", "must not be negative")
		}
		c.clockSkew = d
		return nil
	}
}

// WithRetryBackoff sets the backoff between attempts after a refusal (a
// 429, a failed dial, a 401): exponential from base, capped at max, with
// jitter (defaults 1 s and 1 minute). The client's own retries happen
// first, within each attempt.
func WithRetryBackoff(base, max time.Duration) Option {
	return func(c *config) error {
		if base <= 0 || max < base {
			return invalid("WithRetryBackoff", "needs 0 < base <= max")
		}
		c.retryBase, c.retryMax = base, max
		return nil
	}
}

// WithMaxRefusals sets after how many refused attempts in a row an entry
// fails (default 20).
func WithMaxRefusals(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("WithMaxRefusals", "must be at least 1")
		}
		c.maxRefusals = n
		return nil
	}
}

// WithMaxReconcileFailures sets after how many failed reconciliations in
// a row (the chat or its messages could not be listed) an ambiguous entry
// becomes [Unresolved] (default 10, with the retry backoff between them).
func WithMaxReconcileFailures(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("WithMaxReconcileFailures", "must be at least 1")
		}
		c.maxReconcileFails = n
		return nil
	}
}

// WithAttemptTimeout bounds one run of a chat's job, and so every send
// and reconciliation in it (default 1 minute; River's job timeout). A job
// starts no new step after half of it and continues in a new run. A
// worker's lease on an entry lasts 1.5 times this.
func WithAttemptTimeout(d time.Duration) Option {
	return func(c *config) error {
		c.attemptTimeout = d
		return positive("WithAttemptTimeout", d)
	}
}

// WithRescueAfter sets how long an entry may stay claimed by a process
// before another process takes it over, because the first one crashed
// (default 5 minutes; River's rescuer). It must be longer than the attempt
// timeout. The entry taken over is reconciled before anything is resent.
func WithRescueAfter(d time.Duration) Option {
	return func(c *config) error {
		c.rescueAfter = d
		return positive("WithRescueAfter", d)
	}
}

// WithPollInterval sets how often an idle worker looks for new entries
// (default 1 s). On Postgres new entries are usually noticed at once
// through LISTEN/NOTIFY.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		c.pollInterval = d
		return positive("WithPollInterval", d)
	}
}

// WithRetention sets how long finished entries (sent, failed, unresolved)
// are kept, and so how long their key stays taken and their Status
// readable (default 30 days). A negative value keeps them forever. Every
// process in [Outbox.Run] prunes, about every min(1 hour, d), whichever
// River client sharing the store is the leader.
func WithRetention(d time.Duration) Option {
	return func(c *config) error {
		if d == 0 {
			return invalid("WithRetention", "must not be zero (use a negative value to keep entries forever)")
		}
		c.retention = d
		return nil
	}
}

// WithLogger makes the outbox (and River under it) log to l. A nil logger
// disables logging, which is the default.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = settings.Logger(l)
		return nil
	}
}

// WithOnChange calls fn after an entry reaches [Sent], [Failed] or
// [Unresolved], in the process that recorded it. fn must not block for
// long; a nil fn removes the hook.
func WithOnChange(fn func(Status)) Option {
	return func(c *config) error {
		c.onChange = fn
		return nil
	}
}
