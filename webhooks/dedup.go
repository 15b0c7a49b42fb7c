package webhooks

import (
	"context"
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
