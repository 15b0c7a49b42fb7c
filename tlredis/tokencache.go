package tlredis

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tlpartner/tlpartner-go"
)

// DefaultTokenKeyPrefix starts every key of a [TokenCache] unless
// [WithKeyPrefix] says otherwise.
const DefaultTokenKeyPrefix = "tlpartner:publicapi-token:"

// DefaultTokenTTL is how long a [TokenCache] keeps a token unless
// [WithTokenTTL] says otherwise. Tokens do not expire on the server; the
// TTL bounds how long an entry nobody invalidated stays in Redis, at the
// cost of one fetch per workspace and TTL for the whole fleet.
const DefaultTokenTTL = time.Hour

// MinTokenSecret is the shortest secret [NewTokenCache] accepts, in bytes.
const MinTokenSecret = 16

// tokenLockTTL bounds how long one process may hold a workspace's fetch
// lock; if it dies while fetching, the others wait at most this long.
const tokenLockTTL = 15 * time.Second

// sealVersion is the first byte of every stored value; it names the format
// (AES-256-GCM, 12-byte random nonce, key from HKDF-SHA256, the Redis key
// as additional data).
const sealVersion = 1

// TokenCache is a tlpartner.TokenCache kept in Redis and shared by every
// process that uses the same Redis, key prefix and secret: after a
// rotation one process fetches the new token and the others read it. Give
// it to a pool with tlpartner.WithTokenCache:
//
//	cache, err := tlredis.NewTokenCache(rdb, []byte(partnerSecret))
//	pool, err := partner.PublicAPIPool(tlpartner.WithTokenCache(cache))
//
// Tokens are encrypted at rest: each value is AES-256-GCM with a random
// nonce and the Redis key as additional data, under a key derived with
// HKDF-SHA256 from the caller's secret. A dump, MONITOR, a replica or
// redis-cli shows only ciphertext, and a value copied to another
// workspace's key does not decrypt. Entries expire after [WithTokenTTL].
//
// A value that does not decrypt (corrupt, written under another secret or
// format) counts as a miss, never as an error: the token is fetched again
// and the entry overwritten. A workspace whose token must be fetched is
// locked in Redis for the fetch (SET NX, at most 15 s), so that one
// process of the fleet fetches and the others wait for its result, each
// giving up when its own context ends. Only a process that misses in the
// few milliseconds between another one's read and lock fetches twice.
//
// When Redis is unavailable (no answer within [WithTimeout], refused
// connection, or a failure less than [RetryAfterFailure] ago) the cache
// does not fail: Token calls the fetch function directly and returns its
// result, without storing it, and a warning is logged (at most one every
// 10 seconds while the outage lasts); Set and Invalidate log and do
// nothing. A TokenCache is safe for concurrent use.
type TokenCache struct {
	rdb     redis.Cmdable
	aead    *sealer
	prefix  string
	ttl     time.Duration
	timeout time.Duration
	logger  *slog.Logger
	health  health
	sleep   func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	lastWarn time.Time
	failed   int
}

// sealer holds the cache's AEAD one pointer away from TokenCache, so that
// fmt, which follows at most one pointer, prints an address for it even
// for a dereferenced TokenCache (fmt.Sprintf("%s", *cache)) instead of the
// key schedule.
type sealer struct{ cipher.AEAD }

var _ tlpartner.TokenCache = (*TokenCache)(nil)

// NewTokenCache returns a [TokenCache] on rdb, any go-redis client
// (*redis.Client, *redis.ClusterClient, *redis.Ring), encrypting with a
// key derived from secret: for example the partner secret, or a key of
// your secret store. Every process that shares the cache uses the same
// secret; a process with another secret cannot read the entries and
// fetches instead. The secret is not kept; only the derived key is.
//
// A nil rdb or a secret shorter than [MinTokenSecret] bytes is a
// *tlpartner.ValidationError, as is an invalid option.
func NewTokenCache(rdb redis.Cmdable, secret []byte, opts ...Option) (*TokenCache, error) {
	if rdb == nil {
		return nil, &tlpartner.ValidationError{Field: "rdb", Reason: "must not be nil"}
	}
	if len(secret) < MinTokenSecret {
		return nil, &tlpartner.ValidationError{Field: "secret", Reason: "must be at least 16 bytes"}
	}
	cfg, err := applyOptions("NewTokenCache", []string{"WithKeyPrefix", "WithTimeout", "WithLogger", "WithTokenTTL"}, opts)
	if err != nil {
		return nil, err
	}
	ttl := cfg.ttl
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	key, err := hkdf.Key(sha256.New, secret, []byte("tlpartner-go/tlredis"), "public-api-token-cache/aes-256-gcm/v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &TokenCache{
		rdb:     rdb,
		aead:    &sealer{aead},
		prefix:  cfg.prefixOr(DefaultTokenKeyPrefix),
		ttl:     ttl,
		timeout: cfg.timeoutOrDefault(),
		logger:  cfg.loggerOrDefault(),
		sleep:   sleepCtx,
	}, nil
}

func (c *TokenCache) tokenKey(workspaceID string) string { return c.prefix + "t:" + workspaceID }
func (c *TokenCache) lockKey(workspaceID string) string  { return c.prefix + "l:" + workspaceID }

// seal encrypts token for the Redis key.
func (c *TokenCache) seal(key, token string) []byte {
	out := make([]byte, 1+c.aead.NonceSize(), 1+c.aead.NonceSize()+len(token)+c.aead.Overhead())
	out[0] = sealVersion
	_, _ = rand.Read(out[1:]) // crypto/rand.Read never fails (Go 1.24+)
	return c.aead.Seal(out, out[1:], []byte(token), []byte(key))
}

// open decrypts a stored value; ok is false for anything that is not a
// value sealed for this key with this cache's secret.
func (c *TokenCache) open(key string, v []byte) (token string, ok bool) {
	n := c.aead.NonceSize()
	if len(v) < 1+n+c.aead.Overhead() || v[0] != sealVersion {
		return "", false
	}
	pt, err := c.aead.Open(nil, v[1:1+n], v[1+n:], []byte(key))
	if err != nil || len(pt) == 0 {
		return "", false
	}
	return string(pt), true
}

// read returns the workspace's cached token; ok is false on a miss or an
// entry that does not decrypt.
func (c *TokenCache) read(ctx context.Context, workspaceID string) (string, bool, error) {
	key := c.tokenKey(workspaceID)
	v, err := guarded(ctx, &c.health, c.timeout, func(ctx context.Context) ([]byte, error) {
		b, err := c.rdb.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return nil, nil
		}
		return b, err
	})
	if err != nil || v == nil {
		return "", false, err
	}
	tok, ok := c.open(key, v)
	if !ok {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "tlredis: token cache entry does not decrypt (corrupt, or written with another secret); counted as a miss",
			slog.String("key", key))
	}
	return tok, ok, nil
}

// Token implements tlpartner.TokenCache; see [TokenCache] for how it
// shares one fetch across processes and what it does while Redis is
// unavailable.
func (c *TokenCache) Token(ctx context.Context, workspaceID, refused string, fetch tlpartner.TokenFetcher) (string, error) {
	if fetch == nil {
		return "", &tlpartner.ValidationError{Field: "fetch", Reason: "must not be nil"}
	}
	tok, ok, err := c.read(ctx, workspaceID)
	if err != nil {
		return c.direct(ctx, workspaceID, fetch, err)
	}
	if ok && tok != refused {
		return tok, nil
	}
	lockKey := c.lockKey(workspaceID)
	var owner [16]byte
	_, _ = rand.Read(owner[:])
	me := hex.EncodeToString(owner[:])
	poll := 5 * time.Millisecond
	for {
		got, err := guarded(ctx, &c.health, c.timeout, func(ctx context.Context) (bool, error) {
			return c.rdb.SetNX(ctx, lockKey, me, tokenLockTTL).Result()
		})
		if err != nil {
			return c.direct(ctx, workspaceID, fetch, err)
		}
		if got {
			return c.fetchLocked(ctx, workspaceID, refused, lockKey, me, fetch)
		}
		// Another process fetches: wait for its result.
		if err := c.sleep(ctx, poll); err != nil {
			return "", err
		}
		poll = min(2*poll, 100*time.Millisecond)
		tok, ok, err := c.read(ctx, workspaceID)
		if err != nil {
			return c.direct(ctx, workspaceID, fetch, err)
		}
		if ok && tok != refused {
			return tok, nil
		}
	}
}

// fetchLocked runs while this process holds the workspace's lock.
func (c *TokenCache) fetchLocked(ctx context.Context, workspaceID, refused, lockKey, me string, fetch tlpartner.TokenFetcher) (string, error) {
	defer func() {
		// Release with a context of its own: a caller whose context ended
		// must not leave the others waiting for the lock to expire.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		_, _ = guarded(rctx, &c.health, c.timeout, func(ctx context.Context) (int64, error) {
			return releaseScript.Run(ctx, c.rdb, []string{lockKey}, me).Int64()
		})
	}()
	// Someone may have stored the token between our read and our lock.
	if tok, ok, err := c.read(ctx, workspaceID); err == nil && ok && tok != refused {
		return tok, nil
	}
	tok, err := fetch(ctx)
	if err != nil {
		return "", err // nothing is cached for a refused workspace
	}
	c.Set(ctx, workspaceID, tok)
	return tok, nil
}

// direct fetches without Redis, after a failed Redis call.
func (c *TokenCache) direct(ctx context.Context, workspaceID string, fetch tlpartner.TokenFetcher, cause error) (string, error) {
	if cerr := ctx.Err(); cerr != nil {
		return "", cerr
	}
	c.unavailable(ctx, workspaceID, "fetching the token directly", cause)
	return fetch(ctx)
}

// Set implements tlpartner.TokenCache: it stores token, encrypted, for
// the TTL. When Redis is unavailable it logs a warning and stores nothing.
func (c *TokenCache) Set(ctx context.Context, workspaceID, token string) {
	if token == "" {
		return
	}
	key := c.tokenKey(workspaceID)
	val := c.seal(key, token)
	_, err := guarded(ctx, &c.health, c.timeout, func(ctx context.Context) (string, error) {
		return c.rdb.Set(ctx, key, val, c.ttl).Result()
	})
	if err != nil && ctx.Err() == nil {
		c.unavailable(ctx, workspaceID, "token not stored", err)
	}
}

// Invalidate implements tlpartner.TokenCache: it deletes the workspace's
// entry. When Redis is unavailable it logs a warning; the stale entry is
// then replaced after its first 401.
func (c *TokenCache) Invalidate(ctx context.Context, workspaceID string) {
	key := c.tokenKey(workspaceID)
	_, err := guarded(ctx, &c.health, c.timeout, func(ctx context.Context) (int64, error) {
		return c.rdb.Del(ctx, key).Result()
	})
	if err != nil && ctx.Err() == nil {
		c.unavailable(ctx, workspaceID, "token not invalidated", err)
	}
}

// unavailable logs a Redis failure, at most once every warnEvery.
func (c *TokenCache) unavailable(ctx context.Context, workspaceID, what string, err error) {
	c.mu.Lock()
	now := time.Now()
	if !c.lastWarn.IsZero() && now.Sub(c.lastWarn) < warnEvery {
		c.failed++
		c.mu.Unlock()
		return
	}
	suppressed := c.failed
	c.failed = 0
	c.lastWarn = now
	c.mu.Unlock()
	c.logger.LogAttrs(ctx, slog.LevelWarn, "tlredis: token cache cannot reach redis; "+what,
		slog.String("workspace_id", workspaceID),
		slog.String("error", err.Error()),
		slog.Int("failures_not_logged", suppressed))
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// String describes the cache without its key.
func (c *TokenCache) String() string {
	if c == nil {
		return "tlredis.TokenCache(nil)"
	}
	return fmt.Sprintf("tlredis.TokenCache{Prefix: %q, TTL: %v}", c.prefix, c.ttl)
}

// GoString is like [TokenCache.String].
func (c *TokenCache) GoString() string { return c.String() }

// Format makes every fmt verb print [TokenCache.String], so that no verb
// walks into the cipher's key schedule.
func (c *TokenCache) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }
