package tlredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// DefaultKeyPrefix is put before every de-duplication key unless
// [WithKeyPrefix] says otherwise.
const DefaultKeyPrefix = "tlpartner:webhook:"

// releaseScript deletes KEYS[1] only while it still holds ARGV[1], the
// claiming Deduplicator's token, so that a late Release never deletes a
// claim that another replica made after ours expired.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Deduplicator is a [webhooks.Deduplicator] kept in Redis, so that the
// replicas of a webhook endpoint run the callback of a delivery once
// between them. Claim is "SET prefix+key token NX PX ttl"; Release deletes
// the key if it still holds this Deduplicator's token.
//
// It fails safe: while Redis is unavailable, Claim reports first = true
// together with an error matching [ErrUnavailable], so that the event is
// processed (a lost webhook is worse than a duplicate) and the handler
// logs the failure. A Deduplicator is safe for concurrent use.
type Deduplicator struct {
	rdb     redis.Cmdable
	prefix  string
	timeout time.Duration
	token   string // identifies this Deduplicator's claims
	health  health
}

var _ webhooks.Deduplicator = (*Deduplicator)(nil)

// NewDeduplicator returns a [Deduplicator] on rdb, any go-redis client
// (*redis.Client, *redis.ClusterClient, *redis.Ring). A nil rdb is a
// *tlpartner.ValidationError.
func NewDeduplicator(rdb redis.Cmdable, opts ...Option) (*Deduplicator, error) {
	if rdb == nil {
		return nil, &tlpartner.ValidationError{Field: "rdb", Reason: "must not be nil"}
	}
	cfg, err := applyOptions("NewDeduplicator", []string{"WithKeyPrefix", "WithTimeout"}, opts)
	if err != nil {
		return nil, err
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return &Deduplicator{rdb: rdb, prefix: cfg.prefixOr(DefaultKeyPrefix), timeout: cfg.timeoutOrDefault(), token: hex.EncodeToString(b[:])}, nil
}

// Claim records key for ttl and reports whether this caller is the first
// to claim it (across every process sharing the Redis and the prefix)
// while the claim lasts. ttl is rounded up to whole milliseconds.
//
// When Redis cannot be asked, Claim returns first = true and an error
// matching [ErrUnavailable], so that the delivery is processed. When ctx
// ends first, it returns first = true and ctx's error. A ttl below one
// millisecond is an error (also with first = true).
func (d *Deduplicator) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl < time.Millisecond {
		return true, &tlpartner.ValidationError{Field: "ttl", Reason: "must be at least 1ms"}
	}
	ttl = ttl.Round(time.Millisecond)
	first, err := call(ctx, d, func(ctx context.Context) (bool, error) {
		return d.rdb.SetNX(ctx, d.prefix+key, d.token, ttl).Result()
	})
	if err != nil {
		return true, d.fail(ctx, "claim", err)
	}
	return first, nil
}

// Release forgets key if this Deduplicator's claim still holds it, so that
// the sender's retry of the delivery is processed again. A key claimed by
// another Deduplicator, or expired, is left alone.
func (d *Deduplicator) Release(ctx context.Context, key string) error {
	_, err := call(ctx, d, func(ctx context.Context) (int64, error) {
		return releaseScript.Run(ctx, d.rdb, []string{d.prefix + key}, d.token).Int64()
	})
	if err != nil {
		return d.fail(ctx, "release", err)
	}
	return nil
}

// fail wraps a failed Redis call: the context's error when ctx ended,
// otherwise an error matching ErrUnavailable.
func (d *Deduplicator) fail(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("tlredis: deduplicator %s: %w", op, cerr)
	}
	return fmt.Errorf("tlredis: deduplicator %s: %w: %w", op, ErrUnavailable, err)
}

// call runs fn through the deduplicator's circuit breaker and timeout.
func call[T any](ctx context.Context, d *Deduplicator, fn func(context.Context) (T, error)) (T, error) {
	return guarded(ctx, &d.health, d.timeout, fn)
}
