package engine

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"reflect"
	"time"

	"golang.org/x/time/rate"
)

// Server-side rate limits as documented by TimelinesAI ("Rate limits"). They
// apply per source IP address, not per partner or token.
const (
	// ServerRateLimit is the sustained rate, in requests per second, that
	// TimelinesAI documents as allowed per source IP address.
	ServerRateLimit = 30
	// ServerRateBurst is the number of requests above ServerRateLimit
	// that TimelinesAI documents as queued rather than rejected.
	ServerRateBurst = 10
)

// Limiter paces requests on the client side. Wait blocks until the caller
// may send one request, and returns an error without waiting further when
// ctx is done, or when it knows that ctx's deadline would pass first. A
// *rate.Limiter from golang.org/x/time/rate satisfies it unchanged, as does
// a limiter shared through Redis by several processes.
type Limiter interface {
	Wait(ctx context.Context) error
}

// NewRateLimiter returns the limiter of WithRateLimit: a *rate.Limiter with
// rate perSecond and burst burst, which starts full. perSecond must be
// positive and finite and burst at least 1.
func NewRateLimiter(api string, perSecond float64, burst int) (*rate.Limiter, error) {
	if math.IsNaN(perSecond) || math.IsInf(perSecond, 0) || perSecond <= 0 {
		return nil, NewValidationError(api, "WithRateLimit", "perSecond must be a positive finite number")
	}
	if burst < 1 {
		return nil, NewValidationError(api, "WithRateLimit", "burst must be at least 1")
	}
	return rate.NewLimiter(rate.Limit(perSecond), burst), nil
}

// isNil reports whether l is nil or a typed nil pointer, whose Wait would
// panic.
func isNil(l Limiter) bool { return IsNil(l) }

// IsNil reports whether x is nil or an interface holding a nil pointer,
// map, slice, func or channel: the "nil argument" of the module's one rule
// for options (a nil argument means the option's default).
func IsNil(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// logWaitThreshold is the shortest limiter wait that is logged. A limiter
// that lets the request through at once returns well below it.
const logWaitThreshold = time.Millisecond

// limitDeadlineError reports that the limiter refused to wait because the
// context's deadline would pass first. It matches context.DeadlineExceeded.
type limitDeadlineError struct{}

func (limitDeadlineError) Error() string {
	return "rate limit wait would exceed the context deadline"
}

func (limitDeadlineError) Unwrap() error { return context.DeadlineExceeded }

// limitWaitError reports that the context ended while the call waited for
// the limiter, or that the limiter failed.
type limitWaitError struct {
	err error
}

func (e *limitWaitError) Error() string { return "rate limit wait: " + e.err.Error() }

func (e *limitWaitError) Unwrap() error { return e.err }

// waitForLimiter blocks until the limiter lets attempt number attempt
// (0-based) of req through. It returns nil at once when there is no
// limiter. An error matches the context's error when the context ended
// during the wait, and context.DeadlineExceeded when a *rate.Limiter
// refused to start a wait that would outlast the deadline (it then gives
// the token back). It also returns how long it waited. Waits of a millisecond or more are logged at Debug.
func (e *Engine) waitForLimiter(ctx context.Context, op string, req *http.Request, attempt int) (time.Duration, error) {
	l := e.limiter
	if l == nil {
		return 0, nil
	}
	start := time.Now()
	err := l.Wait(ctx)
	d := time.Since(start)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = &limitWaitError{err: ctxErr}
		} else if _, ok := ctx.Deadline(); ok && refusesDeadline(l) {
			err = limitDeadlineError{}
		} else {
			err = &limitWaitError{err: err}
		}
	}
	if (d >= logWaitThreshold || err != nil) && e.logger.Enabled(ctx, slog.LevelDebug) {
		attrs := append(attemptAttrs(op, req, attempt, 2), slog.Duration("wait", d))
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		e.logger.LogAttrs(ctx, slog.LevelDebug, e.api+": rate limit wait", attrs...)
	}
	return d, err
}

// refusesDeadline reports whether an error of l.Wait with a live context
// that has a deadline can only mean "the wait would exceed the deadline".
// That holds for a *rate.Limiter whose burst allows one token.
func refusesDeadline(l Limiter) bool {
	rl, ok := l.(*rate.Limiter)
	return ok && (rl.Burst() >= 1 || rl.Limit() == rate.Inf)
}
