package tlredis_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/tlredis"
	"github.com/tlpartner/tlpartner-go/tlredis/internal/redistest"
)

var tokenSecret = []byte("token-cache-test-secret-0123456789")

// counter returns a TokenFetcher that returns tok after delay and counts
// its calls.
func counter(n *atomic.Int64, tok string, delay time.Duration) tlpartner.TokenFetcher {
	return func(ctx context.Context) (string, error) {
		n.Add(1)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return "", ctx.Err()
		}
		return tok, nil
	}
}

func newTokenCache(t *testing.T, rdb redis.Cmdable, opts ...tlredis.Option) *tlredis.TokenCache {
	t.Helper()
	c, err := tlredis.NewTokenCache(rdb, tokenSecret, opts...)
	require.NoError(t, err)
	return c
}

func TestTokenCacheValidation(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	for name, f := range map[string]func() error{
		"rdb":    func() error { _, err := tlredis.NewTokenCache(nil, tokenSecret); return err },
		"secret": func() error { _, err := tlredis.NewTokenCache(rdb, []byte("short")); return err },
		"WithTokenTTL": func() error {
			_, err := tlredis.NewTokenCache(rdb, tokenSecret, tlredis.WithTokenTTL(time.Millisecond))
			return err
		},
		"WithTimeout": func() error {
			_, err := tlredis.NewTokenCache(rdb, tokenSecret, tlredis.WithTimeout(0))
			return err
		},
	} {
		var ve *tlpartner.ValidationError
		if assert.ErrorAs(t, f(), &ve, name) {
			assert.Equal(t, name, ve.Field)
		}
	}
	c := newTokenCache(t, rdb)
	_, err := c.Token(context.Background(), "ws", "", nil)
	var ve *tlpartner.ValidationError
	assert.ErrorAs(t, err, &ve)
}

// TestTokenCacheSharedFetch: two caches (two processes' worth) and 20
// goroutines each miss the same workspace while the fetch is slow: one
// fetch; then a refused token makes exactly one more.
func TestTokenCacheSharedFetch(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newTokenCache(t, srv.Client(t)), newTokenCache(t, srv.Client(t))
	ctx := context.Background()
	var n atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Go(func() {
			tok, err := c.Token(ctx, "ws-1", "", counter(&n, "tok-1", 200*time.Millisecond))
			assert.NoError(t, err)
			assert.Equal(t, "tok-1", tok)
		})
	}
	wg.Wait()
	assert.Equal(t, int64(1), n.Load())

	for i := range 40 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Go(func() {
			tok, err := c.Token(ctx, "ws-1", "tok-1", counter(&n, "tok-2", 200*time.Millisecond))
			assert.NoError(t, err)
			assert.Equal(t, "tok-2", tok)
		})
	}
	wg.Wait()
	assert.Equal(t, int64(2), n.Load(), "one fetch after the refusal")

	// A token set by one process is read by the other.
	a.Set(ctx, "ws-1", "tok-3")
	tok, err := b.Token(ctx, "ws-1", "tok-2", counter(&n, "never", 0))
	require.NoError(t, err)
	assert.Equal(t, "tok-3", tok)
	b.Invalidate(ctx, "ws-1")
	tok, err = a.Token(ctx, "ws-1", "", counter(&n, "tok-4", 0))
	require.NoError(t, err)
	assert.Equal(t, "tok-4", tok)
	assert.Equal(t, int64(3), n.Load())
}

// TestTokenCacheWaiterHonoursItsContext: a process waiting for another's
// fetch returns when its own context ends.
func TestTokenCacheWaiterHonoursItsContext(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newTokenCache(t, srv.Client(t)), newTokenCache(t, srv.Client(t))
	var n atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := a.Token(context.Background(), "ws", "", counter(&n, "tok", 2*time.Second))
		assert.NoError(t, err)
	}()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := b.Token(ctx, "ws", "", counter(&n, "other", 0))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(began), 1200*time.Millisecond)
	<-done
	assert.Equal(t, int64(1), n.Load())
}

// TestTokenCacheNothingCachedOnError: a refused fetch stores nothing and
// releases the lock at once, so the next caller fetches without waiting.
func TestTokenCacheNothingCachedOnError(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	c := newTokenCache(t, rdb)
	ctx := context.Background()
	refused := fmt.Errorf("refused: %w", tlpartner.ErrNotFound)
	_, err := c.Token(ctx, "gone", "", func(context.Context) (string, error) { return "", refused })
	assert.ErrorIs(t, err, tlpartner.ErrNotFound)
	keys, err := rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.Empty(t, keys, "no entry and no lock left behind")
}

// TestTokenCacheCorruptEntryIsMiss: garbage, a value under another secret
// and a value copied from another workspace's key are misses: the token is
// fetched and the entry overwritten.
func TestTokenCacheCorruptEntryIsMiss(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	log, buf := newLogger()
	c := newTokenCache(t, rdb, tlredis.WithLogger(log))
	other, err := tlredis.NewTokenCache(rdb, []byte("another-secret-of-the-fleet-0000"))
	require.NoError(t, err)
	ctx := context.Background()
	key := tlredis.DefaultTokenKeyPrefix + "t:ws"

	c.Set(ctx, "ws-b", "tok-b")
	stolen, err := rdb.Get(ctx, tlredis.DefaultTokenKeyPrefix+"t:ws-b").Bytes()
	require.NoError(t, err)

	var n atomic.Int64
	for name, set := range map[string]func(){
		"garbage":      func() { require.NoError(t, rdb.Set(ctx, key, "\x01not a sealed value at all, really", 0).Err()) },
		"empty":        func() { require.NoError(t, rdb.Set(ctx, key, "", 0).Err()) },
		"other secret": func() { other.Set(ctx, "ws", "tok-other") },
		"other key":    func() { require.NoError(t, rdb.Set(ctx, key, stolen, 0).Err()) },
		"flipped bit": func() {
			c.Set(ctx, "ws", "tok-x")
			b, _ := rdb.Get(ctx, key).Bytes()
			b[len(b)-1] ^= 1
			rdb.Set(ctx, key, b, 0)
		},
		"unknown format": func() {
			c.Set(ctx, "ws", "tok-x")
			b, _ := rdb.Get(ctx, key).Bytes()
			b[0] = 2
			rdb.Set(ctx, key, b, 0)
		},
	} {
		set()
		before := n.Load()
		tok, err := c.Token(ctx, "ws", "", counter(&n, "fresh", 0))
		require.NoError(t, err, name)
		assert.Equal(t, "fresh", tok, name)
		assert.Equal(t, before+1, n.Load(), name)
		tok, err = c.Token(ctx, "ws", "", counter(&n, "never", 0))
		require.NoError(t, err, name)
		assert.Equal(t, "fresh", tok, "%s: the entry was overwritten", name)
	}
	assert.Positive(t, buf.count("does not decrypt"))
}

// TestTokenCacheTTL: entries expire after the TTL.
func TestTokenCacheTTL(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	c := newTokenCache(t, rdb, tlredis.WithTokenTTL(5*time.Second), tlredis.WithKeyPrefix("p:"))
	ctx := context.Background()
	c.Set(ctx, "ws", "tok")
	ttl, err := rdb.PTTL(ctx, "p:t:ws").Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 4*time.Second)
	assert.LessOrEqual(t, ttl, 5*time.Second)
	d, err := tlredis.NewTokenCache(rdb, tokenSecret)
	require.NoError(t, err)
	d.Set(ctx, "ws", "tok")
	ttl, err = rdb.PTTL(ctx, tlredis.DefaultTokenKeyPrefix+"t:ws").Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, tlredis.DefaultTokenTTL-time.Minute)
}

// TestTokenCacheRedisDown: with Redis refusing connections or hanging,
// Token fetches directly (within the timeout), Set and Invalidate do
// nothing, and one warning is logged, not one per call.
func TestTokenCacheRedisDown(t *testing.T) {
	for name, addr := range map[string]string{"refused": deadAddr(t), "hung": silentAddr(t)} {
		t.Run(name, func(t *testing.T) {
			log, buf := newLogger()
			c := newTokenCache(t, clientFor(t, addr), tlredis.WithLogger(log), tlredis.WithTimeout(200*time.Millisecond))
			ctx := context.Background()
			var n atomic.Int64
			began := time.Now()
			for i := range 5 {
				tok, err := c.Token(ctx, "ws", "", counter(&n, fmt.Sprint("tok-", i), 0))
				require.NoError(t, err)
				assert.Equal(t, fmt.Sprint("tok-", i), tok)
			}
			c.Set(ctx, "ws", "x")
			c.Invalidate(ctx, "ws")
			assert.Less(t, time.Since(began), 2*time.Second)
			assert.Equal(t, int64(5), n.Load())
			assert.Equal(t, 1, buf.count("token cache cannot reach redis"), buf.String())
		})
	}
}

// TestTokenCacheRecoversAfterOutage: after Redis comes back, the cache
// stores and serves tokens again.
func TestTokenCacheRecoversAfterOutage(t *testing.T) {
	srv := redistest.Start(t)
	c := newTokenCache(t, srv.Client(t), tlredis.WithLogger(newDiscard()))
	ctx := context.Background()
	var n atomic.Int64
	srv.Kill()
	tok, err := c.Token(ctx, "ws", "", counter(&n, "a", 0))
	require.NoError(t, err)
	assert.Equal(t, "a", tok)
	srv.Restart(t)
	time.Sleep(tlredis.RetryAfterFailure + 100*time.Millisecond)
	_, err = c.Token(ctx, "ws", "", counter(&n, "b", 0))
	require.NoError(t, err)
	tok, err = c.Token(ctx, "ws", "", counter(&n, "never", 0))
	require.NoError(t, err)
	assert.Equal(t, "b", tok)
	assert.Equal(t, int64(2), n.Load())
}

// redisCLI returns the redis-cli binary next to redis-server or on PATH.
func redisCLI(t *testing.T) string {
	t.Helper()
	if p := filepath.Join(filepath.Dir(redistest.Binary()), "redis-cli"); redistest.Binary() != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, err := exec.LookPath("redis-cli")
	if err != nil {
		msg := "redis-cli not found (Debian package redis-tools, installed with redis-server)"
		if os.Getenv(redistest.RequireEnv) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// scanForTokens lists every key with redis-cli --scan and GETs each one
// with redis-cli (escaped and --raw), and returns the number of keys and
// how many of the tokens appear in any of that output.
func scanForTokens(t *testing.T, addr string, tokens []string) (keys, leaked int) {
	t.Helper()
	cli := redisCLI(t)
	host, port, _ := strings.Cut(addr, ":")
	out, err := exec.Command(cli, "-h", host, "-p", port, "--scan").Output()
	require.NoError(t, err)
	names := strings.Fields(string(out))
	var all bytes.Buffer
	all.Write(out)
	// GET every key, escaped (redis-cli's default) and --raw, through one
	// redis-cli each that reads the commands from stdin.
	var cmds strings.Builder
	for _, k := range names {
		fmt.Fprintf(&cmds, "GET %q\n", k)
	}
	for _, mode := range [][]string{{"--no-raw"}, {"--raw"}} {
		cmd := exec.Command(cli, append([]string{"-h", host, "-p", port}, mode...)...)
		cmd.Stdin = strings.NewReader(cmds.String())
		v, err := cmd.Output()
		require.NoError(t, err)
		require.GreaterOrEqual(t, bytes.Count(v, []byte("\n")), len(names), "one answer per key")
		all.Write(v)
	}
	for _, tok := range tokens {
		require.NotEmpty(t, tok)
		if bytes.Contains(all.Bytes(), []byte(tok)) {
			leaked++
		}
	}
	return len(names), leaked
}

// TestTokenCacheNoClearText: tokens stored through the cache never show in
// redis-cli --scan or GET; the same scan does find a token stored in clear
// (the check can fail).
func TestTokenCacheNoClearText(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	c := newTokenCache(t, rdb)
	ctx := context.Background()
	var tokens []string
	for i := range 50 {
		tok := fmt.Sprintf("tlpub_%040x", i*7919+1)
		tokens = append(tokens, tok)
		c.Set(ctx, fmt.Sprint("ws-", i), tok)
	}
	keys, leaked := scanForTokens(t, srv.Addr, tokens)
	assert.Equal(t, 50, keys)
	assert.Zero(t, leaked, "tokens in clear text in Redis")

	require.NoError(t, rdb.Set(ctx, "plain", tokens[3], 0).Err())
	_, leaked = scanForTokens(t, srv.Addr, tokens)
	assert.Equal(t, 1, leaked, "the scan sees a clear-text token")
}

// TestPoolWithRedisOutage: a pool over a Redis token cache keeps working
// while Redis is down (tokens are fetched directly, one warning is
// logged) and stores tokens in Redis again once it is back.
func TestPoolWithRedisOutage(t *testing.T) {
	rsrv := redistest.Start(t)
	rdb := rsrv.Client(t)
	srv := tlpartnertest.New(t, tlpartnertest.Options{Logf: func(string, ...any) {}})
	partner, err := srv.Client()
	require.NoError(t, err)
	ctx := context.Background()
	for _, name := range []string{"out-a", "out-b", "out-c"} {
		_, err := partner.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: name, SeatsPurchased: 2})
		require.NoError(t, err)
	}
	log, buf := newLogger()
	cache := newTokenCache(t, rdb, tlredis.WithLogger(log), tlredis.WithTimeout(300*time.Millisecond))
	pool, err := partner.PublicAPIPool(tlpartner.WithTokenCache(cache))
	require.NoError(t, err)
	defer pool.Close()
	use := func(ws string) {
		t.Helper()
		pc, err := pool.Get(ctx, ws)
		require.NoError(t, err)
		_, err = pc.GetWorkspace(ctx)
		require.NoError(t, err)
	}
	use("out-a")
	require.EqualValues(t, 1, rdb.Exists(ctx, tlredis.DefaultTokenKeyPrefix+"t:out-a").Val())

	rsrv.Kill()
	use("out-b")
	require.NoError(t, pool.Invalidate(ctx, "out-a"))
	use("out-a")
	assert.Equal(t, 1, buf.count("token cache cannot reach redis"), buf.String())

	rsrv.Restart(t)
	time.Sleep(tlredis.RetryAfterFailure + 100*time.Millisecond)
	use("out-c")
	assert.EqualValues(t, 1, rdb.Exists(ctx, tlredis.DefaultTokenKeyPrefix+"t:out-c").Val(), "stored again after the outage")
}
