package tlredis_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlredis"
	"github.com/tlpartner/tlpartner-go/tlredis/internal/redistest"
)

func TestNewLimiterValidation(t *testing.T) {
	t.Parallel()
	rdb := clientFor(t, deadAddr(t))
	cases := []struct {
		name  string
		field string
		make  func() (*tlredis.Limiter, error)
	}{
		{"nil client", "rdb", func() (*tlredis.Limiter, error) { return tlredis.NewLimiter(nil, "k", 1, 1) }},
		{"empty key", "key", func() (*tlredis.Limiter, error) { return tlredis.NewLimiter(rdb, "", 1, 1) }},
		{"zero rate", "perSecond", func() (*tlredis.Limiter, error) { return tlredis.NewLimiter(rdb, "k", 0, 1) }},
		{"huge rate", "perSecond", func() (*tlredis.Limiter, error) { return tlredis.NewLimiter(rdb, "k", 2e6, 1) }},
		{"zero burst", "burst", func() (*tlredis.Limiter, error) { return tlredis.NewLimiter(rdb, "k", 1, 0) }},
		{"bad mode", "WithFailMode", func() (*tlredis.Limiter, error) {
			return tlredis.NewLimiter(rdb, "k", 1, 1, tlredis.WithFailMode(7))
		}},
		{"key prefix", "WithKeyPrefix", func() (*tlredis.Limiter, error) {
			return tlredis.NewLimiter(rdb, "k", 1, 1, tlredis.WithKeyPrefix("p:"))
		}},
		{"token TTL", "WithTokenTTL", func() (*tlredis.Limiter, error) {
			return tlredis.NewLimiter(rdb, "k", 1, 1, tlredis.WithTokenTTL(time.Minute))
		}},
		{"zero timeout", "WithTimeout", func() (*tlredis.Limiter, error) { return tlredis.NewLimiter(rdb, "k", 1, 1, tlredis.WithTimeout(0)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := tc.make()
			assert.Nil(t, l)
			var ve *tlpartner.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
		})
	}
}

// TestOneOptionType: one Option type for the package's three
// constructors; a nil logger or fallback (also a typed nil *rate.Limiter)
// means the default, as for every option of the module (both were errors);
// an option a constructor does not take is refused by name.
func TestOneOptionType(t *testing.T) {
	t.Parallel()
	rdb := clientFor(t, deadAddr(t))
	common := []tlredis.Option{tlredis.WithTimeout(time.Second), nil}
	_, err := tlredis.NewLimiter(rdb, "k", 1, 1, append(common, tlredis.WithLogger(nil), tlredis.WithFallback(nil), tlredis.WithFallback((*rate.Limiter)(nil)))...)
	require.NoError(t, err)
	_, err = tlredis.NewDeduplicator(rdb, append(common, tlredis.WithKeyPrefix("d:"))...)
	require.NoError(t, err)
	_, err = tlredis.NewTokenCache(rdb, []byte("0123456789abcdef0123"), append(common, tlredis.WithKeyPrefix("t:"), tlredis.WithLogger(nil), tlredis.WithTokenTTL(time.Minute))...)
	require.NoError(t, err)

	var ve *tlpartner.ValidationError
	_, err = tlredis.NewDeduplicator(rdb, tlredis.WithFailMode(tlredis.FailClosed))
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "WithFailMode", ve.Field)
	assert.Contains(t, ve.Reason, "does not apply to NewDeduplicator")
	_, err = tlredis.NewTokenCache(rdb, []byte("0123456789abcdef0123"), tlredis.WithFallback(rate.NewLimiter(1, 1)))
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "WithFallback", ve.Field)

	// The fallback takes the clients' Limiter type.
	var lim tlpartner.Limiter = rate.NewLimiter(1, 1)
	_, err = tlredis.NewLimiter(rdb, "k", 1, 1, tlredis.WithFallback(lim))
	require.NoError(t, err)
}

func TestLimiterBurstThenPace(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	// Slots are 500ms apart, so that the bounds below keep hundreds of
	// milliseconds of margin for Redis round trips on a loaded machine.
	l, err := tlredis.NewLimiter(srv.Client(t), "burst-pace", 2, 5)
	require.NoError(t, err)
	ctx := context.Background()

	start := time.Now()
	for range 5 {
		require.NoError(t, l.Wait(ctx))
	}
	assert.Less(t, time.Since(start), 400*time.Millisecond, "the burst must not wait (one wait is 500ms)")
	for range 4 {
		require.NoError(t, l.Wait(ctx))
	}
	// 4 requests beyond the burst at 2/s take 2s.
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, 1900*time.Millisecond)
	assert.Less(t, elapsed, 3500*time.Millisecond)
}

func TestLimiterSharedByKey(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	// Two limiters with their own connections stand for two processes.
	// One slot per second: waiting and not waiting differ by a second.
	a, err := tlredis.NewLimiter(srv.Client(t), "shared", 1, 3)
	require.NoError(t, err)
	b, err := tlredis.NewLimiter(srv.Client(t), "shared", 1, 3)
	require.NoError(t, err)
	other, err := tlredis.NewLimiter(srv.Client(t), "other", 1, 3)
	require.NoError(t, err)
	ctx := context.Background()

	for range 3 {
		require.NoError(t, a.Wait(ctx))
	}
	start := time.Now()
	require.NoError(t, other.Wait(ctx))
	assert.Less(t, time.Since(start), 500*time.Millisecond, "another key has its own budget")
	require.NoError(t, b.Wait(ctx))
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "b shares a's exhausted budget")
}

// TestLimiterConcurrentRate: 20 goroutines over 2 limiters on the same key
// (two processes' worth) take 60 slots of a 100/s, burst 10 budget. Every
// stretch of the grant times conforms to the budget (at most burst + rate
// x its length, plus one for rounding, plus 200 ms of scheduling jitter:
// the times are taken when Wait returns, which a busy machine delays), and
// the 50 slots beyond the burst take at least 0.5 s (the check that tells
// a shared budget from two unshared ones, which would take 0.2 s). Two unshared limiters
// would grant 20 at once and then 200/s.
func TestLimiterConcurrentRate(t *testing.T) {
	t.Parallel()
	const rate, burst, n = 100, 10, 60
	srv := redistest.Start(t)
	var ls [2]*tlredis.Limiter
	for i := range ls {
		var err error
		ls[i], err = tlredis.NewLimiter(srv.Client(t), "concurrent", rate, burst)
		require.NoError(t, err)
	}
	var mu sync.Mutex
	var grants []time.Time
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for g := range 20 {
		wg.Go(func() {
			for next.Add(1) <= n {
				if !assert.NoError(t, ls[g%2].Wait(context.Background())) {
					return
				}
				mu.Lock()
				grants = append(grants, time.Now())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, grants, n)
	slices.SortFunc(grants, func(a, b time.Time) int { return a.Compare(b) })
	assert.GreaterOrEqual(t, grants[n-1].Sub(start), 490*time.Millisecond, "50 slots beyond the burst at 100/s")
	for i := range grants {
		for j := i + 1; j < n; j++ {
			allowed := burst + rate*(grants[j].Sub(grants[i]).Seconds()+0.2) + 1
			if float64(j-i+1) > allowed {
				t.Fatalf("grants %d..%d: %d in %v, more than the budget allows (%.1f)", i, j, j-i+1, grants[j].Sub(grants[i]), allowed)
			}
		}
	}
}

// TestLimiterDeadlineTooClose: a wait that would outlast the context's
// deadline fails at once, before the deadline, and reserves nothing. The
// slot is 2s away and the deadline 1s, so the assertions keep a second of
// margin for a loaded machine (a Redis round trip under -race on a busy
// runner took more than the 150ms this test used to allow).
func TestLimiterDeadlineTooClose(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	l, err := tlredis.NewLimiter(srv.Client(t), "deadline", 0.5, 1)
	require.NoError(t, err)
	first := time.Now()
	require.NoError(t, l.Wait(context.Background())) // the burst; the next slot is 2s away

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err = l.Wait(ctx)
	require.NoError(t, ctx.Err(), "must fail at once, not sleep to the deadline")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "would exceed the context deadline")

	// The refused wait reserved nothing: the next slot is still 2s after
	// the first request, not 4s.
	require.NoError(t, l.Wait(context.Background()))
	assert.Less(t, time.Since(first), 3500*time.Millisecond)
}

func TestLimiterContextEndsDuringWait(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	l, err := tlredis.NewLimiter(srv.Client(t), "cancel", 0.1, 1)
	require.NoError(t, err)
	require.NoError(t, l.Wait(context.Background()))

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err = l.Wait(ctx) // no deadline: reserves the slot 10s away, then is cancelled
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 5*time.Second, "ended with the context, not at the slot 10s away")

	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	require.ErrorIs(t, l.Wait(done), context.Canceled)
}

func TestLimiterRedisDownFailOpen(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	l, err := tlredis.NewLimiter(clientFor(t, deadAddr(t)), "k", 1, 1, tlredis.WithLogger(logger))
	require.NoError(t, err)
	for range 5 {
		require.NoError(t, l.Wait(context.Background()), "fail open lets every request go")
	}
	assert.Equal(t, 1, logs.count("level=WARN msg=\"tlredis: rate limiter cannot reach redis; requests are not limited (fail open)\""),
		"one warning per 10s, not one per request:\n%s", logs)
}

func TestLimiterRedisDownFailOpenFallback(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	fb := waiterFunc(func(ctx context.Context) error { calls.Add(1); return nil })
	logger, logs := newLogger()
	l, err := tlredis.NewLimiter(clientFor(t, deadAddr(t)), "k", 1, 1, tlredis.WithFallback(fb), tlredis.WithLogger(logger))
	require.NoError(t, err)
	for range 3 {
		require.NoError(t, l.Wait(context.Background()))
	}
	assert.Equal(t, int64(3), calls.Load())
	assert.Contains(t, logs.String(), "fallback limiter")
}

type waiterFunc func(context.Context) error

func (f waiterFunc) Wait(ctx context.Context) error { return f(ctx) }

func TestLimiterRedisDownFailClosed(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	l, err := tlredis.NewLimiter(clientFor(t, deadAddr(t)), "k", 1, 1,
		tlredis.WithFailMode(tlredis.FailClosed), tlredis.WithLogger(logger))
	require.NoError(t, err)
	err = l.Wait(context.Background())
	require.ErrorIs(t, err, tlredis.ErrUnavailable)
	assert.Contains(t, err.Error(), "refused")
	assert.Contains(t, logs.String(), "fail closed")
}

// TestLimiterRedisHung: a Redis that accepts connections and never answers
// counts as unavailable after WithTimeout, and a shorter context wins.
func TestLimiterRedisHung(t *testing.T) {
	t.Parallel()
	// The client's own timeouts (30s) are far longer than the limiter's,
	// so only WithTimeout or the context can end a wait. Bounds keep a
	// margin of seconds for a loaded machine; what they tell apart is a
	// timeout from a hang.
	rdb := redis.NewClient(&redis.Options{Addr: silentAddr(t), DialTimeout: 30 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	l, err := tlredis.NewLimiter(rdb, "k", 1, 1, tlredis.WithFailMode(tlredis.FailClosed),
		tlredis.WithTimeout(time.Second), tlredis.WithLogger(newDiscard()))
	require.NoError(t, err)

	start := time.Now()
	err = l.Wait(context.Background())
	require.ErrorIs(t, err, tlredis.ErrUnavailable)
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "waited for the timeout")
	assert.Less(t, time.Since(start), 4*time.Second)

	// The failure opened the circuit: for RetryAfterFailure the limiter
	// does not ask Redis again, and answers at once.
	start = time.Now()
	err = l.Wait(context.Background())
	require.ErrorIs(t, err, tlredis.ErrUnavailable)
	assert.Contains(t, err.Error(), "not asked again yet")
	assert.Less(t, time.Since(start), 750*time.Millisecond, "at once, without another 1s timeout")

	l2, err := tlredis.NewLimiter(rdb, "k", 1, 1, tlredis.WithFailMode(tlredis.FailClosed),
		tlredis.WithTimeout(10*time.Second), tlredis.WithLogger(newDiscard()))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	err = l2.Wait(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, tlredis.ErrUnavailable)
	assert.Less(t, time.Since(start), 5*time.Second, "the context (100ms) wins over the timeout (10s)")
}

// TestLimiterRedisKilledMidway: while goroutines wait on the limiter, Redis
// is killed and later restarted. Each mode does what it says, nothing
// hangs past its context, and the limiter recovers.
func TestLimiterRedisKilledMidway(t *testing.T) {
	t.Parallel()
	for _, mode := range []tlredis.FailMode{tlredis.FailOpen, tlredis.FailClosed} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t)
			logger, logs := newLogger()
			l, err := tlredis.NewLimiter(srv.Client(t), "killed", 20, 2,
				tlredis.WithFailMode(mode), tlredis.WithLogger(logger), tlredis.WithTimeout(200*time.Millisecond))
			require.NoError(t, err)

			ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
			defer cancel()
			var ok, unavailable, ctxErr, other atomic.Int64
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for ctx.Err() == nil {
						err := l.Wait(ctx)
						switch {
						case err == nil:
							ok.Add(1)
						case errors.Is(err, tlredis.ErrUnavailable):
							unavailable.Add(1)
						case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
							ctxErr.Add(1)
						default:
							other.Add(1)
							t.Errorf("unexpected error: %v", err)
						}
						if err != nil {
							time.Sleep(time.Millisecond) // don't spin on a dead Redis
						}
					}
				})
			}
			time.Sleep(200 * time.Millisecond)
			okBefore := ok.Load()
			srv.Kill()
			doneAt := make(chan time.Time, 1)
			go func() { wg.Wait(); doneAt <- time.Now() }()
			select {
			case end := <-doneAt:
				dl, _ := ctx.Deadline()
				assert.WithinDuration(t, dl, end, time.Second, "nothing hangs past the context")
			case <-time.After(3 * time.Second):
				t.Fatal("waiters hang after Redis was killed")
			}
			okAfter := ok.Load() - okBefore
			switch mode {
			case tlredis.FailOpen:
				assert.Greater(t, okAfter, int64(100), "fail open lets requests through while Redis is down")
				assert.Zero(t, unavailable.Load())
				assert.Contains(t, logs.String(), "level=WARN")
			case tlredis.FailClosed:
				assert.LessOrEqual(t, okAfter, int64(8), "fail closed grants only slots reserved before the kill")
				assert.Greater(t, unavailable.Load(), int64(0))
			}

			// Redis comes back: within RetryAfterFailure the limiter asks
			// it again, limits again and says so.
			srv.Restart(t)
			deadline := time.Now().Add(3 * tlredis.RetryAfterFailure)
			for logs.count("rate limiter reaches redis again") == 0 && time.Now().Before(deadline) {
				_ = l.Wait(context.Background())
				time.Sleep(10 * time.Millisecond)
			}
			assert.Equal(t, 1, logs.count("rate limiter reaches redis again"))
			require.NoError(t, l.Wait(context.Background()))
		})
	}
}
