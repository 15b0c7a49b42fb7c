package tlpartner_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

const benchClients = 1000

// benchPool returns a pool whose cache already holds a token for each of
// benchClients workspaces, so that Get never goes to the network.
func benchPool(b *testing.B) (*tlpartner.PublicAPIPool, []string) {
	b.Helper()
	partner, err := tlpartner.NewClient("bench-partner", "bench-secret-0123456789", tlpartner.WithBaseURL("http://127.0.0.1:9/partner/api/v1"))
	if err != nil {
		b.Fatal(err)
	}
	cache := tlpartner.NewMemoryTokenCache()
	ids := make([]string, benchClients)
	for i := range ids {
		ids[i] = fmt.Sprintf("ws-%04d", i)
		cache.Set(context.Background(), ids[i], fmt.Sprintf("tlpub_%040d", i))
	}
	pool, err := partner.PublicAPIPool(tlpartner.WithTokenCache(cache), tlpartner.WithPoolSize(benchClients))
	if err != nil {
		b.Fatal(err)
	}
	return pool, ids
}

// BenchmarkPoolIdleClients measures the memory of 1,000 idle pooled
// clients: each op opens benchClients clients in a fresh pool (tokens
// cached); B/client is B/op divided by benchClients. The baseline opens the
// same number of plain publicapi.NewClient clients.
func BenchmarkPoolIdleClients(b *testing.B) {
	b.Run("pool", func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		var m perClient
		for b.Loop() {
			b.StopTimer()
			pool, ids := benchPool(b)
			m.start()
			b.StartTimer()
			for _, id := range ids {
				if _, err := pool.Get(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			m.stop()
			runtime.KeepAlive(pool)
			b.StartTimer()
		}
		m.report(b)
	})
	b.Run("baseline-NewClient", func(b *testing.B) {
		b.ReportAllocs()
		toks := make([]string, benchClients)
		for i := range toks {
			toks[i] = fmt.Sprintf("tlpub_%040d", i)
		}
		var m perClient
		for b.Loop() {
			keep := make([]*publicapi.Client, benchClients)
			b.StopTimer()
			m.start()
			b.StartTimer()
			for i := range keep {
				pc, err := publicapi.NewClient(toks[i])
				if err != nil {
					b.Fatal(err)
				}
				keep[i] = pc
			}
			b.StopTimer()
			m.stop()
			runtime.KeepAlive(keep)
			b.StartTimer()
		}
		m.report(b)
	})
}

// perClient measures, per opened client, the bytes allocated and the
// bytes still live after a garbage collection (what an idle client costs).
type perClient struct {
	ms                  runtime.MemStats
	alloc0, live0       uint64
	alloc, live, rounds uint64
}

func (p *perClient) start() {
	runtime.GC()
	runtime.ReadMemStats(&p.ms)
	p.alloc0, p.live0 = p.ms.TotalAlloc, p.ms.HeapAlloc
}

func (p *perClient) stop() {
	runtime.ReadMemStats(&p.ms)
	p.alloc += p.ms.TotalAlloc - p.alloc0
	runtime.GC()
	runtime.ReadMemStats(&p.ms)
	if p.ms.HeapAlloc > p.live0 {
		p.live += p.ms.HeapAlloc - p.live0
	}
	p.rounds++
}

func (p *perClient) report(b *testing.B) {
	n := float64(p.rounds * benchClients)
	b.ReportMetric(float64(p.alloc)/n, "B/client")
	b.ReportMetric(float64(p.live)/n, "live-B/client")
}

// BenchmarkPoolGetWarm measures Get of a workspace whose client the pool
// holds, from 1,000 pooled workspaces, against a plain mutex-guarded map
// lookup of the same clients.
func BenchmarkPoolGetWarm(b *testing.B) {
	pool, ids := benchPool(b)
	ctx := context.Background()
	for _, id := range ids {
		if _, err := pool.Get(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("pool", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := pool.Get(ctx, ids[i%benchClients]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("baseline-map", func(b *testing.B) {
		var mu sync.Mutex
		m := make(map[string]*publicapi.Client, benchClients)
		for _, id := range ids {
			m[id], _ = pool.Get(ctx, id)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			mu.Lock()
			pc := m[ids[i%benchClients]]
			mu.Unlock()
			if pc == nil {
				b.Fatal("missing")
			}
			i++
		}
	})
	b.Run("pool-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := pool.Get(ctx, ids[i%benchClients]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	})
}
