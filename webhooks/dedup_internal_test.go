package webhooks

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMemoryDeduplicatorClaimReleaseExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewMemoryDeduplicator(10)
	m.now = func() time.Time { return now }
	ctx := context.Background()
	claim := func(key string, ttl time.Duration) bool {
		t.Helper()
		first, err := m.Claim(ctx, key, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return first
	}
	if !claim("a", time.Minute) || claim("a", time.Minute) {
		t.Fatal("first claim must win, the second must not")
	}
	now = now.Add(time.Minute - time.Nanosecond)
	if claim("a", time.Minute) {
		t.Fatal("claim before expiry must not win")
	}
	now = now.Add(time.Nanosecond)
	if !claim("a", time.Minute) {
		t.Fatal("claim at expiry must win")
	}
	if err := m.Release(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if !claim("a", time.Minute) {
		t.Fatal("claim after release must win")
	}
	if err := m.Release(ctx, "never-claimed"); err != nil {
		t.Fatal(err)
	}

	// A non-positive ttl means DefaultDedupTTL.
	if !claim("b", 0) {
		t.Fatal("b")
	}
	now = now.Add(DefaultDedupTTL - time.Second)
	if claim("b", 0) {
		t.Fatal("b expired before DefaultDedupTTL")
	}
	now = now.Add(time.Second)
	if !claim("b", -1) {
		t.Fatal("b did not expire after DefaultDedupTTL")
	}
}

func TestMemoryDeduplicatorBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewMemoryDeduplicator(3)
	m.now = func() time.Time { return now }
	ctx := context.Background()
	for _, k := range []string{"k1", "k2", "k3"} {
		if first, _ := m.Claim(ctx, k, time.Hour); !first {
			t.Fatal(k)
		}
	}
	// Full: the oldest unexpired claim makes room.
	if first, _ := m.Claim(ctx, "k4", time.Hour); !first {
		t.Fatal("k4")
	}
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want 3", m.Len())
	}
	if first, _ := m.Claim(ctx, "k1", time.Hour); !first {
		t.Fatal("k1 was not evicted")
	}
	// k2 was evicted by k1's new claim; k3 and k4 are held.
	for k, want := range map[string]bool{"k3": false, "k4": false} {
		if first, _ := m.Claim(ctx, k, time.Hour); first != want {
			t.Errorf("%s: first=%v", k, first)
		}
	}
	// Expired claims are dropped before unexpired ones.
	m2 := NewMemoryDeduplicator(2)
	m2.now = func() time.Time { return now }
	m2.Claim(ctx, "short", time.Second)
	m2.Claim(ctx, "long", time.Hour)
	now = now.Add(2 * time.Second)
	m2.Claim(ctx, "new", time.Hour)
	if first, _ := m2.Claim(ctx, "long", time.Hour); first {
		t.Error("an unexpired claim was evicted while an expired one could go")
	}
}

func TestMemoryDeduplicatorDefaults(t *testing.T) {
	t.Parallel()
	if m := NewMemoryDeduplicator(0); m.maxKeys != DefaultMemoryDedupKeys {
		t.Errorf("maxKeys = %d", m.maxKeys)
	}
	var zero MemoryDeduplicator
	ctx := context.Background()
	if first, err := zero.Claim(ctx, "k", time.Minute); !first || err != nil {
		t.Fatalf("zero value: %v %v", first, err)
	}
	if first, _ := zero.Claim(ctx, "k", time.Minute); first {
		t.Fatal("zero value does not remember")
	}
	if DefaultDedupTTL < 3*time.Minute+DefaultLeeway {
		t.Errorf("DefaultDedupTTL %v is shorter than the replay window", DefaultDedupTTL)
	}
}

func TestMemoryDeduplicatorConcurrent(t *testing.T) {
	t.Parallel()
	m := NewMemoryDeduplicator(1000)
	var wins [50]atomic.Int32
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range len(wins) {
				key := fmt.Sprint("key-", k)
				if first, _ := m.Claim(context.Background(), key, time.Minute); first {
					wins[k].Add(1)
				}
				if g%8 == 0 {
					_ = m.Len()
				}
			}
		}()
	}
	wg.Wait()
	for k := range wins {
		if n := wins[k].Load(); n != 1 {
			t.Errorf("key %d claimed first %d times", k, n)
		}
	}
}
