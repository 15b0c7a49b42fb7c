package tlredis_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlredis"
	"github.com/tlpartner/tlpartner-go/tlredis/internal/redistest"
)

func TestNewDeduplicatorValidation(t *testing.T) {
	t.Parallel()
	var ve *tlpartner.ValidationError
	d, err := tlredis.NewDeduplicator(nil)
	assert.Nil(t, d)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "rdb", ve.Field)

	d, err = tlredis.NewDeduplicator(clientFor(t, deadAddr(t)), tlredis.WithTimeout(-time.Second))
	assert.Nil(t, d)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "WithTimeout", ve.Field)
}

func TestDeduplicatorClaim(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	a, err := tlredis.NewDeduplicator(rdb)
	require.NoError(t, err)
	b, err := tlredis.NewDeduplicator(srv.Client(t)) // another replica
	require.NoError(t, err)
	elsewhere, err := tlredis.NewDeduplicator(rdb, tlredis.WithKeyPrefix("other-app:"))
	require.NoError(t, err)

	first, err := a.Claim(ctx, "evt-1", time.Minute)
	require.NoError(t, err)
	assert.True(t, first)
	first, err = a.Claim(ctx, "evt-1", time.Minute)
	require.NoError(t, err)
	assert.False(t, first, "the same replica again")
	first, err = b.Claim(ctx, "evt-1", time.Minute)
	require.NoError(t, err)
	assert.False(t, first, "another replica")
	first, err = elsewhere.Claim(ctx, "evt-1", time.Minute)
	require.NoError(t, err)
	assert.True(t, first, "another prefix is another namespace")
	first, err = b.Claim(ctx, "evt-2", time.Minute)
	require.NoError(t, err)
	assert.True(t, first, "another key")

	// The key carries the prefix and the TTL.
	pttl, err := rdb.PTTL(ctx, tlredis.DefaultKeyPrefix+"evt-1").Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, 59*time.Second)
	assert.LessOrEqual(t, pttl, time.Minute)
	n, err := rdb.Exists(ctx, "other-app:evt-1").Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}

func TestDeduplicatorTTL(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	d, err := tlredis.NewDeduplicator(srv.Client(t))
	require.NoError(t, err)
	ctx := context.Background()
	first, err := d.Claim(ctx, "short", 50*time.Millisecond)
	require.NoError(t, err)
	require.True(t, first)
	time.Sleep(80 * time.Millisecond)
	first, err = d.Claim(ctx, "short", 50*time.Millisecond)
	require.NoError(t, err)
	assert.True(t, first, "an expired claim is forgotten")

	first, err = d.Claim(ctx, "k", 0)
	assert.True(t, first, "a bad ttl still lets the event be processed")
	var ve *tlpartner.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "ttl", ve.Field)
}

func TestDeduplicatorRelease(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := context.Background()
	a, err := tlredis.NewDeduplicator(srv.Client(t))
	require.NoError(t, err)
	b, err := tlredis.NewDeduplicator(srv.Client(t))
	require.NoError(t, err)

	first, err := a.Claim(ctx, "evt", time.Minute)
	require.NoError(t, err)
	require.True(t, first)

	// b does not own the claim: its Release leaves it alone.
	require.NoError(t, b.Release(ctx, "evt"))
	first, err = b.Claim(ctx, "evt", time.Minute)
	require.NoError(t, err)
	assert.False(t, first, "a foreign release must not delete the claim")

	// The owner's Release frees the key for the retry, on any replica.
	require.NoError(t, a.Release(ctx, "evt"))
	first, err = b.Claim(ctx, "evt", time.Minute)
	require.NoError(t, err)
	assert.True(t, first)

	// a's late Release does not delete b's newer claim.
	require.NoError(t, a.Release(ctx, "evt"))
	first, err = a.Claim(ctx, "evt", time.Minute)
	require.NoError(t, err)
	assert.False(t, first)

	require.NoError(t, a.Release(ctx, "never-claimed"))
}

// TestDeduplicatorRedisDown: with Redis unreachable or hung, Claim says
// "first" (process the event) with an error matching ErrUnavailable, in
// bounded time; Release reports the failure.
func TestDeduplicatorRedisDown(t *testing.T) {
	t.Parallel()
	for name, addr := range map[string]string{"refused": deadAddr(t), "hung": silentAddr(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d, err := tlredis.NewDeduplicator(clientFor(t, addr), tlredis.WithTimeout(100*time.Millisecond))
			require.NoError(t, err)
			for range 3 {
				start := time.Now()
				first, err := d.Claim(context.Background(), "evt", time.Minute)
				assert.True(t, first, "fail safe: process the event")
				require.ErrorIs(t, err, tlredis.ErrUnavailable)
				assert.Less(t, time.Since(start), 2*time.Second, "bounded, not hung")
			}
			require.ErrorIs(t, d.Release(context.Background(), "evt"), tlredis.ErrUnavailable)

			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			first, err := d.Claim(ctx, "evt", time.Minute)
			assert.True(t, first)
			require.Error(t, err)
		})
	}
}

func TestDeduplicatorRecovers(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	d, err := tlredis.NewDeduplicator(srv.Client(t), tlredis.WithTimeout(200*time.Millisecond))
	require.NoError(t, err)
	ctx := context.Background()
	srv.Kill()
	first, err := d.Claim(ctx, "evt", time.Minute)
	assert.True(t, first)
	require.ErrorIs(t, err, tlredis.ErrUnavailable)
	srv.Restart(t)
	time.Sleep(tlredis.RetryAfterFailure + 50*time.Millisecond)
	first, err = d.Claim(ctx, "evt", time.Minute)
	require.NoError(t, err)
	assert.True(t, first)
	first, err = d.Claim(ctx, "evt", time.Minute)
	require.NoError(t, err)
	assert.False(t, first, "de-duplicates again after Redis is back")
}
