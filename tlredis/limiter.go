package tlredis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tlpartner/tlpartner-go"
)

// gcraScript is a reserving GCRA (generic cell rate algorithm) step. The
// key holds the theoretical arrival time (TAT) of the next request in
// microseconds of Redis server time, so that every process measures with
// the same clock. A request reserves the slot at TAT and learns how long
// to wait for it; it is refused, without changing anything, when that wait
// would be longer than the caller can wait (its context's deadline).
//
// Reserving, rather than asking "may I go now?" and polling like
// github.com/go-redis/redis_rate, gives each waiter a definite slot: a
// process that slept for its slot is never overtaken by another one, no
// process busy-polls Redis, and the deadline check is exact.
//
// KEYS[1]: the key. ARGV[1]: emission interval in µs (1e6/rate).
// ARGV[2]: burst. ARGV[3]: longest acceptable wait in µs, or -1 for any.
// Returns {1, wait_us} when reserved, {0, wait_us} when refused.
var gcraScript = redis.NewScript(`
if redis.replicate_commands then
  redis.replicate_commands() -- Redis < 5: allow a write after TIME (a no-op later)
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local maxwait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then
  tat = now
end
local newtat = tat + interval
local wait = newtat - burst * interval - now
if wait < 0 then
  wait = 0
end
if maxwait >= 0 and wait > maxwait then
  return {0, math.ceil(wait)}
end
redis.call('SET', KEYS[1], string.format('%.0f', newtat), 'PX', math.ceil((newtat - now) / 1000) + 1000)
return {1, math.ceil(wait)}
`)

// FailMode says what a [Limiter] does when it cannot reach Redis.
type FailMode int

const (
	// FailOpen lets the request go (through the fallback limiter, if
	// [WithFallback] set one) and logs a warning. The server's own limit
	// still applies: requests over it get 429 Too Many Requests, which
	// the client retries with backoff. This is the default: an outage of
	// the coordination store does not stop the work.
	FailOpen FailMode = iota
	// FailClosed makes Wait return an error matching [ErrUnavailable], so
	// that the request is not sent. Choose it when exceeding the limit is
	// worse than not working.
	FailClosed
)

// String returns "open" or "closed".
func (m FailMode) String() string {
	switch m {
	case FailOpen:
		return "open"
	case FailClosed:
		return "closed"
	}
	return fmt.Sprintf("FailMode(%d)", int(m))
}

// ErrUnavailable is matched (errors.Is) by the errors the package returns
// because Redis could not be asked in time: it did not answer, refused the
// connection, or took longer than [WithTimeout].
var ErrUnavailable = errors.New("tlredis: redis unavailable")

// DefaultTimeout is the longest a single Redis round trip may take before
// it counts as Redis being unavailable, unless [WithTimeout] says
// otherwise.
const DefaultTimeout = time.Second

// Limiter is a rate limit kept in Redis and shared by every process that
// uses the same key: at most perSecond requests per second on average,
// with bursts of up to burst requests. It has the method set that
// tlpartner.WithRateLimiter and publicapi.WithRateLimiter take
// (Wait(ctx) error). A Limiter is safe for concurrent use.
type Limiter struct {
	rdb      redis.Scripter
	key      string
	interval int64 // µs between requests at the sustained rate
	burst    int
	cfg      limiterConfig

	health health

	mu       sync.Mutex
	lastWarn time.Time // when the last "unavailable" warning was logged
	failed   int       // failures since then that were not logged
}

type limiterConfig struct {
	mode     FailMode
	fallback tlpartner.Limiter
	logger   *slog.Logger
	timeout  time.Duration
}

// NewLimiter returns a [Limiter] of perSecond requests per second with
// bursts of burst, kept under key in Redis. Every process that should
// share the budget uses the same key and the same perSecond and burst
// (for TimelinesAI, one key per egress IP address). rdb is any go-redis
// client: *redis.Client, *redis.ClusterClient, *redis.Ring.
//
// perSecond must be positive, finite and at most one million; burst at
// least 1; key not empty. Other values are a *tlpartner.ValidationError.
func NewLimiter(rdb redis.Scripter, key string, perSecond float64, burst int, opts ...Option) (*Limiter, error) {
	if rdb == nil {
		return nil, &tlpartner.ValidationError{Field: "rdb", Reason: "must not be nil"}
	}
	if key == "" {
		return nil, &tlpartner.ValidationError{Field: "key", Reason: "must not be empty"}
	}
	if math.IsNaN(perSecond) || math.IsInf(perSecond, 0) || perSecond <= 0 || perSecond > 1e6 {
		return nil, &tlpartner.ValidationError{Field: "perSecond", Reason: "must be a positive finite number of at most 1e6"}
	}
	if burst < 1 {
		return nil, &tlpartner.ValidationError{Field: "burst", Reason: "must be at least 1"}
	}
	o, err := applyOptions("NewLimiter", []string{"WithTimeout", "WithLogger", "WithFailMode", "WithFallback"}, opts)
	if err != nil {
		return nil, err
	}
	fallback := o.fallback
	if isNilLimiter(fallback) {
		fallback = nil
	}
	cfg := limiterConfig{mode: o.mode, fallback: fallback, logger: o.loggerOrDefault(), timeout: o.timeoutOrDefault()}
	return &Limiter{
		rdb:      rdb,
		key:      key,
		interval: int64(math.Round(1e6 / perSecond)),
		burst:    burst,
		cfg:      cfg,
	}, nil
}

// Wait blocks until the shared budget allows one request, and returns nil
// then. It reserves the request's slot in Redis and sleeps until it comes.
//
// It honours ctx: when ctx is already done, or ends during the wait, Wait
// returns at once with an error matching ctx's error (errors.Is). When
// ctx has a deadline that would pass before the slot, Wait returns at
// once, without reserving, with an error matching
// context.DeadlineExceeded. A wait cut short by ctx does not give its slot
// back (the limit errs on the safe side).
//
// When Redis is unavailable, Wait follows the [FailMode]: it returns nil
// (after the fallback's Wait, if one is set) and logs a warning, or it
// returns an error matching [ErrUnavailable].
func (l *Limiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	maxWait := int64(-1)
	if dl, ok := ctx.Deadline(); ok {
		maxWait = max(int64(time.Until(dl)/time.Microsecond), 0)
	}
	if err := l.health.check(time.Now()); err != nil {
		return l.unavailable(ctx, err)
	}
	res, err := roundTrip(ctx, l.cfg.timeout, func(ctx context.Context) ([]int64, error) {
		return gcraScript.Run(ctx, l.rdb, []string{l.key}, l.interval, l.burst, maxWait).Int64Slice()
	})
	if err == nil && len(res) != 2 {
		err = fmt.Errorf("unexpected script result %v", res)
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		l.health.failure(time.Now(), err)
		return l.unavailable(ctx, err)
	}
	if l.health.success() {
		l.mu.Lock()
		l.lastWarn, l.failed = time.Time{}, 0
		l.mu.Unlock()
		l.cfg.logger.LogAttrs(ctx, slog.LevelInfo, "tlredis: rate limiter reaches redis again", slog.String("key", l.key))
	}
	wait := time.Duration(res[1]) * time.Microsecond
	if res[0] == 0 {
		return &deadlineError{wait: wait}
	}
	if wait <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(dl) {
		// The round trip used up the margin; the slot stays reserved.
		return &deadlineError{wait: wait}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// unavailable applies the fail mode after a failed Redis call.
func (l *Limiter) unavailable(ctx context.Context, err error) error {
	if l.cfg.mode == FailClosed {
		l.note(ctx, err, "requests are refused (fail closed)")
		return fmt.Errorf("tlredis: rate limiter %q: %w: %w", l.key, ErrUnavailable, err)
	}
	if l.cfg.fallback != nil {
		l.note(ctx, err, "requests use the fallback limiter (fail open)")
		return l.cfg.fallback.Wait(ctx)
	}
	l.note(ctx, err, "requests are not limited (fail open)")
	return nil
}

// warnEvery is the shortest time between two "unavailable" warnings.
const warnEvery = 10 * time.Second

// note logs a Redis failure, at most once every warnEvery.
func (l *Limiter) note(ctx context.Context, err error, what string) {
	l.mu.Lock()
	now := time.Now()
	if !l.lastWarn.IsZero() && now.Sub(l.lastWarn) < warnEvery {
		l.failed++
		l.mu.Unlock()
		return
	}
	suppressed := l.failed
	l.failed = 0
	l.lastWarn = now
	l.mu.Unlock()
	l.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "tlredis: rate limiter cannot reach redis; "+what,
		slog.String("key", l.key),
		slog.String("fail_mode", l.cfg.mode.String()),
		slog.String("error", err.Error()),
		slog.Int("failures_not_logged", suppressed))
}

// errSlow reports a Redis call that took longer than the configured
// timeout.
var errSlow = errors.New("no answer within the timeout")

// deadlineError reports that the context's deadline would pass before the
// limiter's slot. It matches context.DeadlineExceeded.
type deadlineError struct {
	wait time.Duration
}

func (e *deadlineError) Error() string {
	return fmt.Sprintf("tlredis: rate limit wait of %v would exceed the context deadline", e.wait)
}

func (e *deadlineError) Unwrap() error { return context.DeadlineExceeded }

// roundTrip runs fn, one Redis call, and returns its result, but no later
// than when ctx ends or timeout passes: go-redis does not stop a read when
// a context is cancelled, and by default ignores context deadlines on the
// socket. An abandoned call finishes in the background within go-redis's
// own timeouts. A timeout is reported as errSlow.
func roundTrip[T any](ctx context.Context, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errSlow)
	defer cancel()
	done := make(chan result, 1)
	go func() {
		v, err := fn(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}
