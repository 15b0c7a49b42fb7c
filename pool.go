package tlpartner

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/tlpartner/tlpartner-go/internal/engine"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// DefaultPoolSize is how many idle Public API clients a [PublicAPIPool]
// keeps unless [WithPoolSize] says otherwise.
const DefaultPoolSize = 1000

// ErrPoolClosed is returned by the methods of a [PublicAPIPool] after
// [PublicAPIPool.Close].
var ErrPoolClosed = errors.New("tlpartner: PublicAPIPool is closed")

// PublicAPIPool hands out Public API clients for many workspaces: one
// *publicapi.Client per workspace, opened on first use and kept for reuse,
// all sharing one transport (and its connections), one rate limiter, one
// retry policy and one logger. Tokens come from a [TokenCache] (by default
// a [MemoryTokenCache]; tlredis.NewTokenCache shares one across processes),
// so a workspace's token is fetched from the Partner API once, not once per
// client or goroutine. Create it with [Client.PublicAPIPool]; it is safe
// for concurrent use.
//
// The pool keeps at most its size ([WithPoolSize]) of clients, dropping
// the least recently used one when a new workspace needs room; a dropped
// client keeps working for whoever still holds it, and the next Get of
// its workspace opens a new one with the cached token, without a fetch.
//
// When a workspace's token is rotated, the workspace's client gets a 401,
// asks the cache for a token other than the refused one (the cache fetches
// it once for all its users) and sends the request once more; see
// publicapi.WithTokenSource.
type PublicAPIPool struct {
	partner *Client
	cache   TokenCache
	size    int
	shared  publicapi.Option

	mu      sync.Mutex
	closed  bool
	entries map[string]*poolEntry
	head    *poolEntry // most recently used
	tail    *poolEntry // least recently used
	opening map[string]*poolOpen
}

// poolEntry is one workspace's client in the pool's LRU list.
type poolEntry struct {
	pool        *PublicAPIPool
	workspaceID string
	client      *publicapi.Client
	prev, next  *poolEntry
}

// poolOpen is one Get that opens a workspace's client, which concurrent
// Gets of the same workspace wait for.
type poolOpen struct {
	done   chan struct{}
	client *publicapi.Client
	err    error
}

// poolConfig collects the settings applied by [PoolOption] values.
type poolConfig struct {
	size      int
	cache     TokenCache
	clientOpt []publicapi.Option
}

// PoolOption configures a [PublicAPIPool] in [Client.PublicAPIPool].
// Options are applied in order; an invalid value makes PublicAPIPool fail
// with a [*ValidationError] naming the option.
type PoolOption func(*poolConfig) error

// WithPoolSize sets how many clients the pool keeps at most (default
// [DefaultPoolSize]); n must be at least 1. An idle client holds about
// 0.5 KB (BenchmarkPoolIdleClients: 1 KB allocated to open one, 485 B
// live), so the default costs about half a megabyte.
func WithPoolSize(n int) PoolOption {
	return func(c *poolConfig) error {
		if n < 1 {
			return &ValidationError{Field: "WithPoolSize", Reason: "must be at least 1"}
		}
		c.size = n
		return nil
	}
}

// WithTokenCache sets where the pool keeps tokens (default: a new
// [MemoryTokenCache]). Pass tlredis.NewTokenCache's cache to share tokens,
// encrypted, with the other processes of the fleet. A nil tc (or a typed
// nil pointer) means the default.
func WithTokenCache(tc TokenCache) PoolOption {
	return func(c *poolConfig) error {
		if engine.IsNil(tc) {
			tc = nil
		}
		c.cache = tc
		return nil
	}
}

// WithPublicAPIOptions configures the pool's clients. The options are
// applied once, with publicapi.Shared, so that all the pool's clients share
// what they create: publicapi.WithRateLimit makes one token bucket for the
// whole pool, publicapi.WithHTTPClient one transport. They are applied
// after the pool's defaults (see [Client.PublicAPIPool]) and so override
// them. Later calls add to earlier ones.
func WithPublicAPIOptions(opts ...publicapi.Option) PoolOption {
	return func(c *poolConfig) error {
		c.clientOpt = append(c.clientOpt, opts...)
		return nil
	}
}

// PublicAPIPool returns a [PublicAPIPool] of Public API clients for this
// partner's workspaces. Like [Client.PublicAPI], its clients send through
// this client's *http.Client (sharing its transport and connections) to the
// Public API base URL derived from this client's; [WithPublicAPIOptions]
// overrides that and sets the shared rate limit, retry policy and logger.
// Close the pool when done with it.
//
// Token fetches are Partner API calls of this client, so its own rate
// limit ([WithRateLimit], [WithRateLimiter]) paces them: give both clients
// one limiter (publicapi.WithRateLimiter inside [WithPublicAPIOptions]) to
// keep Partner and Public API requests of the process under one per-IP
// budget.
//
// An invalid option gives a [*ValidationError]; nothing is fetched until
// the first [PublicAPIPool.Get].
func (c *Client) PublicAPIPool(opts ...PoolOption) (*PublicAPIPool, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	cfg := poolConfig{size: DefaultPoolSize}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.cache == nil {
		cfg.cache = NewMemoryTokenCache()
	}
	all := make([]publicapi.Option, 0, len(cfg.clientOpt)+2)
	all = append(all,
		publicapi.WithBaseURL(publicAPIBaseURL(c.baseURL)),
		publicapi.WithHTTPClient(c.eng.HTTPClient()),
	)
	shared, err := publicapi.Shared(append(all, cfg.clientOpt...)...)
	if err != nil {
		return nil, err
	}
	return &PublicAPIPool{
		partner: c,
		cache:   cfg.cache,
		size:    cfg.size,
		shared:  shared,
		entries: make(map[string]*poolEntry),
		opening: make(map[string]*poolOpen),
	}, nil
}

func (p *PublicAPIPool) ready() error {
	if p == nil || p.partner == nil {
		return &ValidationError{Field: "pool", Reason: "must be created with Client.PublicAPIPool"}
	}
	return nil
}

// Get returns the Public API client of workspaceID, opening it if the pool
// has none: the token comes from the pool's [TokenCache], which fetches it
// with [Client.GetPublicAPIToken] on a miss. Concurrent Gets of one
// workspace open it once and share the result; each gives up when its own
// ctx ends. Get takes no per-call options because the fetch it may wait
// for is shared with other callers; bound it with ctx, and pass options to
// the returned client's calls.
//
// An empty workspaceID, or one containing '/', gives a [*ValidationError]
// before anything is asked. A workspace the Partner API refuses gives its
// error (errors.Is(err, [ErrNotFound]) for one that does not exist,
// [ErrForbidden] for another partner's), and nothing is cached or kept for
// it. After [PublicAPIPool.Close], Get returns [ErrPoolClosed].
func (p *PublicAPIPool) Get(ctx context.Context, workspaceID string) (*publicapi.Client, error) {
	if err := p.ready(); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, &ValidationError{Field: "ctx", Reason: "must not be nil"}
	}
	if err := validateWorkspaceID(workspaceID); err != nil {
		return nil, err
	}
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrPoolClosed
		}
		if e := p.entries[workspaceID]; e != nil {
			p.touch(e)
			pc := e.client
			p.mu.Unlock()
			return pc, nil
		}
		if o := p.opening[workspaceID]; o != nil {
			p.mu.Unlock()
			select {
			case <-o.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if o.err != nil && ctx.Err() == nil && isContextError(o.err) {
				continue // the opener gave up; try ourselves
			}
			return o.client, o.err
		}
		o := &poolOpen{done: make(chan struct{})}
		p.opening[workspaceID] = o
		p.mu.Unlock()

		e, err := p.open(ctx, workspaceID)

		p.mu.Lock()
		delete(p.opening, workspaceID)
		if err == nil && !p.closed {
			p.insert(e)
		}
		p.mu.Unlock()
		if err == nil {
			o.client = e.client
		}
		o.err = err
		close(o.done)
		return o.client, o.err
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// open creates a workspace's client with the cached (or freshly fetched)
// token.
func (p *PublicAPIPool) open(ctx context.Context, workspaceID string) (*poolEntry, error) {
	e := &poolEntry{pool: p, workspaceID: workspaceID}
	tok, err := p.cache.Token(ctx, workspaceID, "", e.fetch)
	if err != nil {
		return nil, err
	}
	pc, err := publicapi.NewClient(tok, p.shared, publicapi.WithTokenSource(e.refresh), publicapi.WithWorkspaceID(workspaceID))
	if err != nil {
		// Only a token the client refuses (spaces, control characters)
		// gets here; drop it so that it is not served again.
		p.cache.Invalidate(ctx, workspaceID)
		return nil, fmt.Errorf("tlpartner: PublicAPIPool: workspace %q: %w", workspaceID, err)
	}
	e.client = pc
	return e, nil
}

// fetch is the entry's [TokenFetcher].
func (e *poolEntry) fetch(ctx context.Context) (string, error) {
	t, err := e.pool.partner.GetPublicAPIToken(ctx, e.workspaceID)
	if err != nil {
		return "", err
	}
	return t.Token, nil
}

// refresh is the client's token source, called after the client's current
// token, refused, got a 401: the cache returns a newer token if it has
// one, and otherwise fetches it.
func (e *poolEntry) refresh(ctx context.Context, refused string) (string, error) {
	return e.pool.cache.Token(ctx, e.workspaceID, refused, e.fetch)
}

// Rotate rotates workspaceID's token with [Client.RotatePublicAPIToken],
// stores the new token in the pool's cache (so that the fleet's other
// processes read it instead of fetching it) and drops the workspace's
// client, so that the next Get opens one with the new token. Clients of
// the workspace still in use switch to the new token after their next
// 401, without a fetch.
//
// opts apply to the rotation request as to RotatePublicAPIToken's
// (tlhttp.WithTimeout, tlhttp.WithResponseMeta, ...). Input errors and
// errors of the rotation are as from RotatePublicAPIToken; after
// [PublicAPIPool.Close], [ErrPoolClosed].
func (p *PublicAPIPool) Rotate(ctx context.Context, workspaceID string, opts ...tlhttp.CallOption) (*PublicAPIToken, error) {
	if err := p.ready(); err != nil {
		return nil, err
	}
	if err := p.checkOpen(); err != nil {
		return nil, err
	}
	t, err := p.partner.RotatePublicAPIToken(ctx, workspaceID, opts...)
	if err != nil {
		return nil, err
	}
	p.cache.Set(ctx, workspaceID, t.Token)
	p.drop(workspaceID)
	return t, nil
}

// Invalidate forgets workspaceID's token, in the cache and in the pool:
// call it when you learn that the token was rotated by someone else, for
// example from the api_token:rotated webhook. The next Get fetches the
// token. (Without it, the rotation is noticed on the next 401, which costs
// one refused request.) An invalid workspaceID gives a [*ValidationError];
// after [PublicAPIPool.Close], [ErrPoolClosed].
func (p *PublicAPIPool) Invalidate(ctx context.Context, workspaceID string) error {
	if err := p.ready(); err != nil {
		return err
	}
	if err := validateWorkspaceID(workspaceID); err != nil {
		return err
	}
	if err := p.checkOpen(); err != nil {
		return err
	}
	p.cache.Invalidate(ctx, workspaceID)
	p.drop(workspaceID)
	return nil
}

// Len returns how many clients the pool holds.
func (p *PublicAPIPool) Len() int {
	if p.ready() != nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}

// Close drops every client of the pool and closes the idle connections of
// its transport; calls in progress are not interrupted, and clients
// already handed out keep working. Later calls of Get, Rotate and
// Invalidate return [ErrPoolClosed]; Close itself may be called again. It
// does not close the [TokenCache], which the caller owns.
func (p *PublicAPIPool) Close() error {
	if err := p.ready(); err != nil {
		return err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	var any *publicapi.Client
	if p.head != nil {
		any = p.head.client
	}
	p.entries, p.head, p.tail = nil, nil, nil
	p.mu.Unlock()
	if any != nil {
		any.CloseIdleConnections() // the transport every client shares
	}
	return nil
}

// String describes the pool.
func (p *PublicAPIPool) String() string {
	if p == nil {
		return "tlpartner.PublicAPIPool(nil)"
	}
	return fmt.Sprintf("tlpartner.PublicAPIPool{Clients: %d, Size: %d}", p.Len(), p.size)
}

func (p *PublicAPIPool) checkOpen() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrPoolClosed
	}
	return nil
}

// drop removes workspaceID's client from the pool.
func (p *PublicAPIPool) drop(workspaceID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.entries[workspaceID]; e != nil {
		p.unlink(e)
		delete(p.entries, workspaceID)
	}
}

// insert adds e as the most recently used entry and evicts the least
// recently used ones beyond the size. p.mu is held.
func (p *PublicAPIPool) insert(e *poolEntry) {
	if old := p.entries[e.workspaceID]; old != nil {
		p.unlink(old)
	}
	p.entries[e.workspaceID] = e
	p.pushFront(e)
	for len(p.entries) > p.size && p.tail != nil {
		lru := p.tail
		p.unlink(lru)
		delete(p.entries, lru.workspaceID)
	}
}

// touch makes e the most recently used entry. p.mu is held.
func (p *PublicAPIPool) touch(e *poolEntry) {
	if p.head == e {
		return
	}
	p.unlink(e)
	p.pushFront(e)
}

func (p *PublicAPIPool) pushFront(e *poolEntry) {
	e.prev, e.next = nil, p.head
	if p.head != nil {
		p.head.prev = e
	}
	p.head = e
	if p.tail == nil {
		p.tail = e
	}
}

func (p *PublicAPIPool) unlink(e *poolEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else if p.head == e {
		p.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else if p.tail == e {
		p.tail = e.prev
	}
	e.prev, e.next = nil, nil
}
