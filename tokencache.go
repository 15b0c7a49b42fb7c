package tlpartner

import (
	"context"
	"errors"
	"sync"
)

// TokenFetcher fetches a workspace's current Public API token from the
// Partner API. A [TokenCache] calls it on a miss; a [PublicAPIPool] passes
// one that calls [Client.GetPublicAPIToken].
type TokenFetcher func(ctx context.Context) (string, error)

// TokenCache keeps workspaces' Public API tokens for a [PublicAPIPool], so
// that a token is fetched from the Partner API once, not once per client,
// goroutine or process. [NewMemoryTokenCache] is the in-process default;
// github.com/tlpartner/tlpartner-go/tlredis has one shared by every process
// through Redis, with the tokens encrypted. Implementations must be safe
// for concurrent use.
type TokenCache interface {
	// Token returns workspaceID's token. A cached token is returned unless
	// it equals refused: a token the Public API has just answered 401 to
	// (refused is "" when there is none). Otherwise Token calls fetch,
	// caches the token it returns and returns it; callers asking for the
	// same workspace meanwhile wait for that fetch instead of making their
	// own, each giving up when its own ctx ends. An error of fetch is
	// returned unchanged and nothing is cached.
	Token(ctx context.Context, workspaceID, refused string, fetch TokenFetcher) (string, error)
	// Set caches token as workspaceID's current token, for example right
	// after a rotation.
	Set(ctx context.Context, workspaceID, token string)
	// Invalidate removes workspaceID's token, for example when an
	// api_token:rotated webhook says it no longer works.
	//
	// Set and Invalidate report no error: an implementation that cannot
	// reach its store deals with that itself (logs it). A stale token left
	// behind costs one 401, after which Token replaces it.
	Invalidate(ctx context.Context, workspaceID string)
}

// MemoryTokenCache is the [TokenCache] of one process: a map from
// workspace ID to token, without expiry (a Public API token does not
// expire unless rotated, and a rotated one is replaced after its first
// 401). It holds one short string per workspace it has seen. Concurrent
// misses of one workspace share one fetch. Create it with
// [NewMemoryTokenCache] (the zero value is ready to use too); it is safe
// for concurrent use.
type MemoryTokenCache struct {
	mu      sync.Mutex
	entries map[string]*memoryEntry
}

// memoryEntry is one workspace's entry. The extra pointer keeps the token
// two pointers away from the cache, which fmt never follows: even
// fmt.Sprintf("%s", *cache) prints addresses, not tokens.
type memoryEntry struct{ *memoryToken }

type memoryToken struct {
	token  string       // "" while the first fetch runs
	flight *tokenFlight // the fetch in progress, or nil
}

// tokenFlight is one fetch that several callers wait for.
type tokenFlight struct {
	done  chan struct{}
	token string
	err   error
}

// NewMemoryTokenCache returns an empty [MemoryTokenCache].
func NewMemoryTokenCache() *MemoryTokenCache {
	return &MemoryTokenCache{entries: make(map[string]*memoryEntry)}
}

// Token implements [TokenCache].
func (m *MemoryTokenCache) Token(ctx context.Context, workspaceID, refused string, fetch TokenFetcher) (string, error) {
	for {
		m.mu.Lock()
		if m.entries == nil {
			m.entries = make(map[string]*memoryEntry)
		}
		e := m.entries[workspaceID]
		if e == nil {
			e = &memoryEntry{&memoryToken{}}
			m.entries[workspaceID] = e
		}
		if e.flight == nil && e.token != "" && e.token != refused {
			tok := e.token
			m.mu.Unlock()
			return tok, nil
		}
		if f := e.flight; f != nil {
			m.mu.Unlock()
			tok, err, again := waitFlight(ctx, f)
			if again {
				continue
			}
			return tok, err
		}
		f := &tokenFlight{done: make(chan struct{})}
		e.flight = f
		m.mu.Unlock()

		f.token, f.err = fetch(ctx)

		m.mu.Lock()
		if cur := m.entries[workspaceID]; cur == e {
			e.flight = nil
			if f.err == nil {
				e.token = f.token
			} else if e.token == "" {
				delete(m.entries, workspaceID) // nothing cached for a refused workspace
			}
		}
		m.mu.Unlock()
		close(f.done)
		return f.token, f.err
	}
}

// waitFlight waits for another caller's fetch. again reports that the
// fetch ended with its own caller's context error while ctx is still
// live: the waiter should try again, fetching itself.
func waitFlight(ctx context.Context, f *tokenFlight) (tok string, err error, again bool) {
	select {
	case <-f.done:
	case <-ctx.Done():
		return "", ctx.Err(), false
	}
	if f.err != nil && ctx.Err() == nil &&
		(errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
		return "", nil, true
	}
	return f.token, f.err, false
}

// Set implements [TokenCache].
func (m *MemoryTokenCache) Set(_ context.Context, workspaceID, token string) {
	if token == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.entries[workspaceID]; e != nil {
		e.token = token
		return
	}
	if m.entries == nil {
		m.entries = make(map[string]*memoryEntry)
	}
	m.entries[workspaceID] = &memoryEntry{&memoryToken{token: token}}
}

// Invalidate implements [TokenCache].
func (m *MemoryTokenCache) Invalidate(_ context.Context, workspaceID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[workspaceID]
	if e == nil {
		return
	}
	if e.flight != nil {
		e.token = "" // the fetch in progress decides
		return
	}
	delete(m.entries, workspaceID)
}

// Len returns how many workspaces have a cached token.
func (m *MemoryTokenCache) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.entries {
		if e.token != "" {
			n++
		}
	}
	return n
}
