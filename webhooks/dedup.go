package webhooks

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Deduplicator decides whether a webhook delivery was already handled, so
// that a delivery re-sent to several replicas runs its callback once. The
// handlers of this module ([Handler], and the Public API events handler)
// call Claim with the event's de-duplication key before the callback, and
// Release when the callback fails, so that the sender's retry runs it
// again.
//
// Implementations must be safe for concurrent use. The SDK ships an
// in-memory one for a single process and a Redis one (module
// github.com/tlpartner/tlpartner-go/tlredis) for a fleet.
type Deduplicator interface {
	// Claim records key for ttl and reports whether this caller is the
	// first to claim it within that time. An error means the store could
	// not be asked; handlers then process the event anyway (a lost
	// webhook is worse than a duplicate) and log the failure.
	Claim(ctx context.Context, key string, ttl time.Duration) (first bool, err error)
	// Release forgets key, so that the next delivery with the same key is
	// processed again.
	Release(ctx context.Context, key string) error
}

// DefaultMemoryDedupKeys is the number of keys a [MemoryDeduplicator]
// holds unless [NewMemoryDeduplicator] is given another size.
const DefaultMemoryDedupKeys = 100_000

// MemoryDeduplicator is an in-process [Deduplicator]: a map of claimed keys
// with their expiry, bounded in size. It suits a single process; replicas
// behind a load balancer need a shared store. It is safe for concurrent use.
//
// When it is full, claiming a new key first drops expired keys and then, if
// still full, the oldest claim even if it has not expired yet: a duplicate
// of that old event would then run its callback again, which is the safe
// direction (a duplicate rather than a lost event). Size it above the
// number of deliveries you receive within the TTL. The zero value is ready
// to use with [DefaultMemoryDedupKeys].
type MemoryDeduplicator struct {
	maxKeys int

	mu    sync.Mutex
	now   func() time.Time         // nil: time.Now; set by tests
	keys  map[string]*list.Element // of *memoryClaim
	order list.List                // claims, oldest first
}

type memoryClaim struct {
	key     string
	expires time.Time
}

// NewMemoryDeduplicator returns a [MemoryDeduplicator] holding at most
// maxKeys keys; maxKeys <= 0 means [DefaultMemoryDedupKeys]. Each key is
// kept for the ttl given to Claim, or [DefaultDedupTTL] when that ttl is not
// positive.
func NewMemoryDeduplicator(maxKeys int) *MemoryDeduplicator {
	if maxKeys <= 0 {
		maxKeys = DefaultMemoryDedupKeys
	}
	return &MemoryDeduplicator{maxKeys: maxKeys}
}

// Claim implements [Deduplicator]. It reports true when key is not held (or
// its claim has expired) and records it for ttl. It never returns an error.
func (m *MemoryDeduplicator) Claim(_ context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		ttl = DefaultDedupTTL
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.now != nil {
		now = m.now()
	}
	if m.keys == nil {
		m.keys = make(map[string]*list.Element)
	}
	limit := m.maxKeys
	if limit <= 0 {
		limit = DefaultMemoryDedupKeys
	}
	if el, ok := m.keys[key]; ok {
		if now.Before(el.Value.(*memoryClaim).expires) {
			return false, nil
		}
		m.remove(el)
	}
	if len(m.keys) >= limit {
		for el := m.order.Front(); el != nil && !now.Before(el.Value.(*memoryClaim).expires); el = m.order.Front() {
			m.remove(el)
		}
		if len(m.keys) >= limit {
			m.remove(m.order.Front())
		}
	}
	m.keys[key] = m.order.PushBack(&memoryClaim{key: key, expires: now.Add(ttl)})
	return true, nil
}

// Release implements [Deduplicator]: it forgets key. It never returns an
// error.
func (m *MemoryDeduplicator) Release(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.keys[key]; ok {
		m.remove(el)
	}
	return nil
}

// Len returns the number of keys held, expired ones included until they
// are dropped.
func (m *MemoryDeduplicator) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

func (m *MemoryDeduplicator) remove(el *list.Element) {
	delete(m.keys, el.Value.(*memoryClaim).key)
	m.order.Remove(el)
}
