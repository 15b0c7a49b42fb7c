package tlredis

import (
	"log/slog"
	"reflect"
	"strings"
	"time"

	tlpartner "github.com/tlpartner/tlpartner-go"
)

// Option configures [NewLimiter], [NewDeduplicator] and [NewTokenCache]:
// one option type for the package, as in package webhooks. Each option
// says which constructors take it; the others refuse it with a
// *tlpartner.ValidationError naming the option. Options apply in order and
// the last one given wins; a nil Option is ignored; a nil argument (a nil
// logger or fallback) means the option's default, as for every option of
// the module (see the tlpartner package documentation, "Options").
type Option func(*config) error

// config collects what the options set; zero fields mean the default of
// the constructor.
type config struct {
	given    []string // option names, for refusing those a constructor does not take
	prefix   *string
	timeout  time.Duration
	logger   *slog.Logger
	mode     FailMode
	fallback tlpartner.Limiter
	ttl      time.Duration
}

func (c *config) note(name string) {
	for _, g := range c.given {
		if g == name {
			return
		}
	}
	c.given = append(c.given, name)
}

// apply runs opts and refuses an option that constructor does not take.
func applyOptions(constructor string, takes []string, opts []Option) (config, error) {
	var c config
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return c, err
		}
	}
	for _, g := range c.given {
		ok := false
		for _, t := range takes {
			ok = ok || t == g
		}
		if !ok {
			return c, &tlpartner.ValidationError{Field: g, Reason: "does not apply to " + constructor + " (it takes " + strings.Join(takes, ", ") + ")"}
		}
	}
	return c, nil
}

// WithKeyPrefix sets the prefix of the Redis keys of a [Deduplicator]
// (default [DefaultKeyPrefix]) or a [TokenCache] (default
// [DefaultTokenKeyPrefix]). Processes that share de-duplication or tokens
// use the same prefix; give each partner account its own. An empty prefix
// is allowed. NewLimiter refuses it: its key is an argument.
func WithKeyPrefix(p string) Option {
	return func(c *config) error {
		c.note("WithKeyPrefix")
		c.prefix = &p
		return nil
	}
}

// WithTimeout bounds each Redis round trip (default [DefaultTimeout]); a
// slower answer counts as Redis being unavailable (see [ErrUnavailable]).
// It must be positive. Every constructor takes it.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		c.note("WithTimeout")
		if d <= 0 {
			return &tlpartner.ValidationError{Field: "WithTimeout", Reason: "must be positive"}
		}
		c.timeout = d
		return nil
	}
}

// WithLogger sets the logger of the warnings about an unavailable Redis (at
// most one every 10 seconds while it lasts, and one at Info level when
// Redis answers again) and, for a [TokenCache], about an entry that does
// not decrypt. The default, also for a nil l, is slog.Default(); pass
// slog.New(slog.DiscardHandler) to log nothing. NewLimiter and
// NewTokenCache take it.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.note("WithLogger")
		c.logger = l
		return nil
	}
}

// WithFailMode chooses what a [Limiter] does when Redis is unavailable:
// [FailOpen] (the default) or [FailClosed]. NewLimiter only.
func WithFailMode(m FailMode) Option {
	return func(c *config) error {
		c.note("WithFailMode")
		if m != FailOpen && m != FailClosed {
			return &tlpartner.ValidationError{Field: "WithFailMode", Reason: "must be FailOpen or FailClosed"}
		}
		c.mode = m
		return nil
	}
}

// WithFallback sets the limiter a [Limiter] uses instead of Redis in
// [FailOpen] mode while Redis is unavailable, for example
// rate.NewLimiter(rate.Limit(30.0/workers), 2) from golang.org/x/time/rate
// for this process's share of the budget. It takes the clients' limiter
// type, tlpartner.Limiter. Without it (or with a nil l), requests are not
// limited at all during an outage. NewLimiter only.
func WithFallback(l tlpartner.Limiter) Option {
	return func(c *config) error {
		c.note("WithFallback")
		c.fallback = l
		return nil
	}
}

// WithTokenTTL sets how long an entry of a [TokenCache] lives in Redis
// (default [DefaultTokenTTL]); at least one second. NewTokenCache only.
func WithTokenTTL(d time.Duration) Option {
	return func(c *config) error {
		c.note("WithTokenTTL")
		if d < time.Second {
			return &tlpartner.ValidationError{Field: "WithTokenTTL", Reason: "must be at least 1s"}
		}
		c.ttl = d
		return nil
	}
}

func (c *config) prefixOr(def string) string {
	if c.prefix == nil {
		return def
	}
	return *c.prefix
}

func (c *config) timeoutOrDefault() time.Duration {
	if c.timeout == 0 {
		return DefaultTimeout
	}
	return c.timeout
}

func (c *config) loggerOrDefault() *slog.Logger {
	if c.logger == nil {
		return slog.Default()
	}
	return c.logger
}

// isNilLimiter reports a nil interface or one holding a nil pointer, whose
// Wait would panic.
func isNilLimiter(l tlpartner.Limiter) bool {
	if l == nil {
		return true
	}
	v := reflect.ValueOf(l)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return v.IsNil()
	}
	return false
}
