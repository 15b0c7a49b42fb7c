package tlpartner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlhttp"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// poolFake starts a fake with n workspaces ("pool-0000", ...) and returns
// it, a partner client and the workspace IDs. The request log is reset, so
// that tokenFetches counts only what the test does.
func poolFake(t *testing.T, n int) (*tlpartnertest.Server, *tlpartner.Client, []string) {
	t.Helper()
	srv := tlpartnertest.New(t, tlpartnertest.Options{Logf: func(string, ...any) {}})
	partner, err := srv.Client()
	require.NoError(t, err)
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range ids {
		ids[i] = fmt.Sprintf("pool-%04d", i)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			_, err := partner.CreateWorkspace(context.Background(), tlpartner.CreateWorkspaceParams{DisplayName: ids[i], SeatsPurchased: 2})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	srv.ResetRequests()
	return srv, partner, ids
}

// tokenFetches counts the GET …/api-token requests the fake received.
func tokenFetches(srv *tlpartnertest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/api-token") {
			n++
		}
	}
	return n
}

// TestPoolThousandWorkspaces: 20 goroutines call Get and then GetWorkspace
// for 1,000 workspaces (each goroutine its own 50 plus 100 random ones, so
// that goroutines collide on workspaces), through a pool that keeps only
// 300 clients: exactly 1,000 token fetches, because the token cache keeps
// the tokens of evicted clients.
func TestPoolThousandWorkspaces(t *testing.T) {
	const (
		workspaces = 1000
		goroutines = 20
		random     = 100
		poolSize   = 300
	)
	srv, partner, ids := poolFake(t, workspaces)
	cache := tlpartner.NewMemoryTokenCache()
	pool, err := partner.PublicAPIPool(tlpartner.WithPoolSize(poolSize), tlpartner.WithTokenCache(cache))
	require.NoError(t, err)
	defer pool.Close()

	ctx := context.Background()
	var wg sync.WaitGroup
	var calls, failures atomic.Int64
	var firstErr sync.Once
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 17))
			var todo []string
			for i := g; i < workspaces; i += goroutines {
				todo = append(todo, ids[i])
			}
			for range random {
				todo = append(todo, ids[rng.IntN(workspaces)])
			}
			rng.Shuffle(len(todo), func(i, j int) { todo[i], todo[j] = todo[j], todo[i] })
			for _, ws := range todo {
				pc, err := pool.Get(ctx, ws)
				if err == nil {
					var w *publicapi.Workspace
					w, err = pc.GetWorkspace(ctx)
					if err == nil && w.ID != ws {
						err = fmt.Errorf("client of %s reached workspace %s", ws, w.ID)
					}
				}
				calls.Add(1)
				if err != nil {
					failures.Add(1)
					firstErr.Do(func() { t.Errorf("%s: %v", ws, err) })
				}
			}
		})
	}
	wg.Wait()
	assert.Zero(t, failures.Load())
	assert.Equal(t, int64(goroutines*(workspaces/goroutines+random)), calls.Load())
	assert.Equal(t, workspaces, tokenFetches(srv), "token fetches")
	assert.Equal(t, workspaces, cache.Len())
	assert.LessOrEqual(t, pool.Len(), poolSize)
	t.Logf("pool: %d Get+GetWorkspace calls over %d workspaces, %d goroutines, pool size %d: %d token fetches",
		calls.Load(), workspaces, goroutines, poolSize, tokenFetches(srv))
}

// TestPoolConcurrentGetFetchesOnce: 30 goroutines Get one workspace while
// its token fetch is slow: one fetch, one client for all.
func TestPoolConcurrentGetFetchesOnce(t *testing.T) {
	srv, partner, ids := poolFake(t, 1)
	pool, err := partner.PublicAPIPool()
	require.NoError(t, err)
	defer pool.Close()
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultDelay, Delay: 300 * time.Millisecond, Path: "/workspaces/" + ids[0] + "/api-token"})

	const n = 30
	clients := make([]*publicapi.Client, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			pc, err := pool.Get(context.Background(), ids[0])
			assert.NoError(t, err)
			clients[i] = pc
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, 1, tokenFetches(srv))
	for _, pc := range clients {
		assert.Same(t, clients[0], pc)
	}
}

// TestPoolWaiterHonoursItsContext: a Get waiting for another Get's slow
// fetch returns when its own context ends; the other one still succeeds.
func TestPoolWaiterHonoursItsContext(t *testing.T) {
	srv, partner, ids := poolFake(t, 1)
	pool, err := partner.PublicAPIPool()
	require.NoError(t, err)
	defer pool.Close()
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultDelay, Delay: 2 * time.Second, Path: "/workspaces/" + ids[0] + "/api-token"})

	leader := make(chan error, 1)
	go func() {
		_, err := pool.Get(context.Background(), ids[0])
		leader <- err
	}()
	time.Sleep(100 * time.Millisecond) // the leader is fetching
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err = pool.Get(ctx, ids[0])
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(began), time.Second, "the waiter waited for the leader")
	assert.NoError(t, <-leader)
	assert.Equal(t, 1, tokenFetches(srv))
}

// TestPoolBadInput: invalid IDs are refused before any request; an unknown
// workspace gives ErrNotFound and nothing is cached for it.
func TestPoolBadInput(t *testing.T) {
	srv, partner, _ := poolFake(t, 0)
	cache := tlpartner.NewMemoryTokenCache()
	pool, err := partner.PublicAPIPool(tlpartner.WithTokenCache(cache))
	require.NoError(t, err)
	defer pool.Close()
	ctx := context.Background()
	for _, id := range []string{"", "a/b", "..", "\xff"} {
		_, err := pool.Get(ctx, id)
		var ve *tlpartner.ValidationError
		require.ErrorAs(t, err, &ve, "%q", id)
		assert.Equal(t, "workspaceID", ve.Field)
		assert.ErrorAs(t, pool.Invalidate(ctx, id), &ve, "%q", id)
	}
	assert.Empty(t, srv.Requests())

	for i := 1; i <= 2; i++ {
		_, err = pool.Get(ctx, "no-such-workspace")
		assert.ErrorIs(t, err, tlpartner.ErrNotFound)
		assert.Equal(t, i, tokenFetches(srv), "a refused workspace is asked again, not cached")
	}
	assert.Zero(t, cache.Len())
	assert.Zero(t, pool.Len())

	for _, opt := range []tlpartner.PoolOption{tlpartner.WithPoolSize(0)} {
		_, err := partner.PublicAPIPool(opt)
		var ve *tlpartner.ValidationError
		assert.ErrorAs(t, err, &ve)
	}
	_, err = partner.PublicAPIPool(tlpartner.WithPublicAPIOptions(publicapi.WithBaseURL("ftp://x")))
	var ve *tlpartner.ValidationError
	assert.ErrorAs(t, err, &ve)

	var zero *tlpartner.PublicAPIPool
	_, err = zero.Get(ctx, "x")
	assert.ErrorAs(t, err, &ve)
}

// TestPoolRotation: a token rotated behind the pool's back costs one
// fetch (after the 401); a rotation through the pool costs none, and a
// client handed out before it switches to the new token without a fetch.
func TestPoolRotation(t *testing.T) {
	srv, partner, ids := poolFake(t, 1)
	ws := ids[0]
	pool, err := partner.PublicAPIPool()
	require.NoError(t, err)
	defer pool.Close()
	ctx := context.Background()

	pc, err := pool.Get(ctx, ws)
	require.NoError(t, err)
	_, err = pc.GetWorkspace(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, tokenFetches(srv))

	_, err = partner.RotatePublicAPIToken(ctx, ws)
	require.NoError(t, err)
	_, err = pc.GetWorkspace(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, tokenFetches(srv), "one fetch after the external rotation")
	again, err := pool.Get(ctx, ws)
	require.NoError(t, err)
	assert.Same(t, pc, again)

	var meta tlhttp.ResponseMeta
	tok, err := pool.Rotate(ctx, ws, tlhttp.WithResponseMeta(&meta))
	require.NoError(t, err)
	assert.True(t, srv.PublicAPITokenValid(ws, tok.Token))
	assert.Equal(t, 201, meta.StatusCode, "Rotate's call options reach the rotation (POST …/api-token answers 201)")
	assert.NotEmpty(t, meta.RequestID)
	fresh, err := pool.Get(ctx, ws)
	require.NoError(t, err)
	assert.NotSame(t, pc, fresh, "Rotate drops the old client")
	_, err = fresh.GetWorkspace(ctx)
	require.NoError(t, err)
	_, err = pc.GetWorkspace(ctx) // 401, then the cached new token
	require.NoError(t, err)
	assert.Equal(t, 2, tokenFetches(srv), "no fetch after a rotation through the pool")

	// A rotation learnt from a webhook: Invalidate, and the next Get fetches.
	_, err = partner.RotatePublicAPIToken(ctx, ws)
	require.NoError(t, err)
	require.NoError(t, pool.Invalidate(ctx, ws))
	fresh, err = pool.Get(ctx, ws)
	require.NoError(t, err)
	_, err = fresh.GetWorkspace(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, tokenFetches(srv))
}

// TestPoolLRU: a pool of 2 drops the least recently used client.
func TestPoolLRU(t *testing.T) {
	srv, partner, ids := poolFake(t, 3)
	pool, err := partner.PublicAPIPool(tlpartner.WithPoolSize(2))
	require.NoError(t, err)
	defer pool.Close()
	ctx := context.Background()
	get := func(ws string) *publicapi.Client {
		pc, err := pool.Get(ctx, ws)
		require.NoError(t, err)
		return pc
	}
	a, b := get(ids[0]), get(ids[1])
	assert.Same(t, a, get(ids[0])) // a is now the most recent
	get(ids[2])                    // evicts b
	assert.Equal(t, 2, pool.Len())
	assert.Same(t, a, get(ids[0]))
	b2 := get(ids[1])
	assert.NotSame(t, b, b2, "b was evicted")
	_, err = b2.GetWorkspace(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, tokenFetches(srv), "re-opening an evicted client uses the cached token")
}

// TestPoolClose: Close drops the clients; later calls get ErrPoolClosed;
// clients handed out keep working.
func TestPoolClose(t *testing.T) {
	_, partner, ids := poolFake(t, 1)
	pool, err := partner.PublicAPIPool()
	require.NoError(t, err)
	ctx := context.Background()
	pc, err := pool.Get(ctx, ids[0])
	require.NoError(t, err)
	require.NoError(t, pool.Close())
	require.NoError(t, pool.Close())
	assert.Zero(t, pool.Len())
	_, err = pool.Get(ctx, ids[0])
	assert.ErrorIs(t, err, tlpartner.ErrPoolClosed)
	_, err = pool.Rotate(ctx, ids[0])
	assert.ErrorIs(t, err, tlpartner.ErrPoolClosed)
	assert.ErrorIs(t, pool.Invalidate(ctx, ids[0]), tlpartner.ErrPoolClosed)
	_, err = pc.GetWorkspace(ctx)
	assert.NoError(t, err)
}

// TestPoolSharesOneLimiter: publicapi.WithRateLimit given to the pool
// makes one token bucket for all its clients: with 1 request per second
// and a burst of 1, the second workspace's first request is refused by its
// deadline, which separate limiters would have let through.
func TestPoolSharesOneLimiter(t *testing.T) {
	_, partner, ids := poolFake(t, 2)
	pool, err := partner.PublicAPIPool(tlpartner.WithPublicAPIOptions(publicapi.WithRateLimit(1, 1)))
	require.NoError(t, err)
	defer pool.Close()
	ctx := context.Background()
	a, err := pool.Get(ctx, ids[0])
	require.NoError(t, err)
	b, err := pool.Get(ctx, ids[1])
	require.NoError(t, err)
	_, err = a.GetWorkspace(ctx)
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = b.GetWorkspace(short)
	assert.Error(t, err, "the second client drew from the same bucket")

	lim := &countingLimiter{}
	pool2, err := partner.PublicAPIPool(tlpartner.WithPublicAPIOptions(publicapi.WithRateLimiter(lim)))
	require.NoError(t, err)
	defer pool2.Close()
	for _, ws := range ids {
		pc, err := pool2.Get(ctx, ws)
		require.NoError(t, err)
		_, err = pc.GetWorkspace(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(2), lim.n.Load())
}

// TestPoolSecrets: printing the pool shows no token.
func TestPoolSecrets(t *testing.T) {
	srv, partner, ids := poolFake(t, 1)
	cache := tlpartner.NewMemoryTokenCache()
	pool, err := partner.PublicAPIPool(tlpartner.WithTokenCache(cache))
	require.NoError(t, err)
	defer pool.Close()
	_, err = pool.Get(context.Background(), ids[0])
	require.NoError(t, err)
	snap, _ := srv.Workspace(ids[0])
	require.NotEmpty(t, snap.PublicAPIToken)
	forms := []string{fmt.Sprintf("%v", pool), fmt.Sprintf("%+v", pool), fmt.Sprintf("%#v", pool), pool.String(),
		fmt.Sprintf("%+v", cache), fmt.Sprintf("%#v", cache)}
	for _, s := range forms {
		assert.NotContains(t, s, snap.PublicAPIToken)
	}
	//lint:ignore SA9005 marshalling a pool must show no token, whatever its fields
	b, err := json.Marshal(pool)
	require.NoError(t, err)
	assert.NotContains(t, string(b), snap.PublicAPIToken)
	//lint:ignore SA9005 as above, for the cache
	b, err = json.Marshal(cache)
	require.NoError(t, err)
	assert.NotContains(t, string(b), snap.PublicAPIToken)
}

// TestMemoryTokenCache drives the cache directly: a hit, refused
// semantics, a failed fetch that caches nothing, and a waiter that fetches
// itself when the leader's context ends.
func TestMemoryTokenCache(t *testing.T) {
	ctx := context.Background()
	c := &tlpartner.MemoryTokenCache{} // the zero value works
	var fetches atomic.Int64
	fetchAs := func(tok string) tlpartner.TokenFetcher {
		return func(context.Context) (string, error) { fetches.Add(1); return tok, nil }
	}
	tok, err := c.Token(ctx, "ws", "", fetchAs("t1"))
	require.NoError(t, err)
	assert.Equal(t, "t1", tok)
	tok, _ = c.Token(ctx, "ws", "", fetchAs("never"))
	assert.Equal(t, "t1", tok)
	tok, _ = c.Token(ctx, "ws", "other", fetchAs("never"))
	assert.Equal(t, "t1", tok, "a token other than the refused one is served")
	tok, _ = c.Token(ctx, "ws", "t1", fetchAs("t2"))
	assert.Equal(t, "t2", tok, "the refused token is replaced")
	assert.Equal(t, int64(2), fetches.Load())

	boom := errors.New("boom")
	_, err = c.Token(ctx, "bad", "", func(context.Context) (string, error) { return "", boom })
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 1, c.Len())

	c.Set(ctx, "ws", "t3")
	tok, _ = c.Token(ctx, "ws", "t2", fetchAs("never"))
	assert.Equal(t, "t3", tok)
	c.Invalidate(ctx, "ws")
	assert.Zero(t, c.Len())

	// The leader's context ends during its fetch; the waiter, whose
	// context is live, fetches itself.
	leaderCtx, cancel := context.WithCancel(ctx)
	started := make(chan struct{})
	leaderDone := make(chan error, 1)
	go func() {
		_, err := c.Token(leaderCtx, "ws2", "", func(ctx context.Context) (string, error) {
			close(started)
			<-ctx.Done()
			return "", ctx.Err()
		})
		leaderDone <- err
	}()
	<-started
	waiter := make(chan string, 1)
	go func() {
		tok, err := c.Token(ctx, "ws2", "", fetchAs("w"))
		assert.NoError(t, err)
		waiter <- tok
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-leaderDone, context.Canceled)
	assert.Equal(t, "w", <-waiter)
}

// TestPoolRotationConcurrent: 50 goroutines use a workspace's pooled
// client right after an external rotation: one token fetch for all of
// them, and every call succeeds.
func TestPoolRotationConcurrent(t *testing.T) {
	srv, partner, ids := poolFake(t, 1)
	pool, err := partner.PublicAPIPool()
	require.NoError(t, err)
	defer pool.Close()
	ctx := context.Background()
	pc, err := pool.Get(ctx, ids[0])
	require.NoError(t, err)
	_, err = partner.RotatePublicAPIToken(ctx, ids[0])
	require.NoError(t, err)
	srv.ResetRequests()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 50 {
		wg.Go(func() {
			<-start
			c, err := pool.Get(ctx, ids[0])
			if assert.NoError(t, err) {
				assert.Same(t, pc, c)
				_, err = c.GetWorkspace(ctx)
				assert.NoError(t, err)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, 1, tokenFetches(srv))
}
