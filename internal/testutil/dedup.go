package testutil

import (
	"context"
	"sync"
	"time"
)

// Dedup is a scripted de-duplication store with the method set of
// webhooks.Deduplicator: it records every call, holds claimed keys until
// they are released (no expiry), and fails with ClaimErr or ReleaseErr when
// they are set. It is safe for concurrent use; set the error fields before
// sharing it.
type Dedup struct {
	// ClaimErr, when not nil, is returned by every Claim.
	ClaimErr error
	// ReleaseErr, when not nil, is returned by every Release (the key is
	// kept).
	ReleaseErr error

	mu       sync.Mutex
	held     map[string]bool
	claims   []DedupClaim
	releases []string
}

// DedupClaim records one call of [Dedup.Claim].
type DedupClaim struct {
	Key string
	TTL time.Duration
}

// Claim records the call and reports whether key was free.
func (d *Dedup) Claim(_ context.Context, key string, ttl time.Duration) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.claims = append(d.claims, DedupClaim{Key: key, TTL: ttl})
	if d.ClaimErr != nil {
		return false, d.ClaimErr
	}
	if d.held[key] {
		return false, nil
	}
	if d.held == nil {
		d.held = make(map[string]bool)
	}
	d.held[key] = true
	return true, nil
}

// Release records the call and frees key.
func (d *Dedup) Release(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.releases = append(d.releases, key)
	if d.ReleaseErr != nil {
		return d.ReleaseErr
	}
	delete(d.held, key)
	return nil
}

// Claims returns the Claim calls so far.
func (d *Dedup) Claims() []DedupClaim {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]DedupClaim(nil), d.claims...)
}

// Releases returns the keys passed to Release so far.
func (d *Dedup) Releases() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.releases...)
}

// Held reports whether key is currently claimed.
func (d *Dedup) Held(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.held[key]
}
