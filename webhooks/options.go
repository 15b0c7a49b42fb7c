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
	verify  verifyConfig
	maxBody int64
	logger  *slog.Logger
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
// callbacks (Error) to l. Records carry the reason, the event type, the
// dedup key and the remote address, never the token or the secret. By
// default nothing is logged. A nil l disables logging.
func WithLogger(l *slog.Logger) HandlerOption {
	return handlerOption(func(c *handlerConfig) error {
		c.logger = l
		return nil
	})
}
