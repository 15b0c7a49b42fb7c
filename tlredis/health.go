package tlredis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// RetryAfterFailure is how long a [Limiter] or [Deduplicator] stops asking
// Redis after a failed call: during that time it applies its
// unavailable-Redis behaviour at once, instead of making every request wait
// for a dial or a timeout. The first call after that time asks Redis again.
const RetryAfterFailure = time.Second

// errCircuitOpen is the error of a call not made because Redis failed
// less than RetryAfterFailure ago.
var errCircuitOpen = errors.New("redis failed recently; not asked again yet")

// health is a small circuit breaker over a Redis connection.
type health struct {
	mu        sync.Mutex
	openUntil time.Time // no calls before this time
	lastErr   error     // the failure that opened it
}

// check returns nil when a call may be made, or the error to report
// instead.
func (h *health) check(now time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Before(h.openUntil) {
		return fmt.Errorf("%w (last error: %w)", errCircuitOpen, h.lastErr)
	}
	return nil
}

// failure records a failed call.
func (h *health) failure(now time.Time, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.openUntil = now.Add(RetryAfterFailure)
	h.lastErr = err
}

// success records a successful call and reports whether the connection had
// failed before.
func (h *health) success() (recovered bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	recovered = h.lastErr != nil
	h.openUntil = time.Time{}
	h.lastErr = nil
	return recovered
}

// guarded runs fn, one Redis call, through the circuit breaker h and
// within timeout (see roundTrip). A failure opens the breaker unless it
// was ctx ending.
func guarded[T any](ctx context.Context, h *health, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if err := h.check(time.Now()); err != nil {
		return zero, err
	}
	v, err := roundTrip(ctx, timeout, fn)
	if err != nil {
		if ctx.Err() == nil {
			h.failure(time.Now(), err)
		}
		return zero, err
	}
	h.success()
	return v, nil
}
