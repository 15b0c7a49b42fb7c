// Package settings is the option plumbing the outbox and the inbox share:
// each package keeps its own Option type, config and validation error,
// and applies its options and checks the options they have in common
// through this package.
package settings

import (
	"io"
	"log/slog"
)

// Apply applies opts to c in order, skipping nil ones, and returns the
// first error.
func Apply[C any, O ~func(*C) error](c *C, opts []O) error {
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return err
		}
	}
	return nil
}

// Logger returns l, or a logger that drops every record when l is nil
// (WithLogger(nil) turns logging off).
func Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return l
}

// MaxWorkers is the largest worker count WithWorkers accepts.
const MaxWorkers = 10000

// Workers returns why n is not a valid worker count, or "".
func Workers(n int) string {
	if n < 1 || n > MaxWorkers {
		return "must be between 1 and 10000"
	}
	return ""
}
