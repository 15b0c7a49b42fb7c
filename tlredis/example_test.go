package tlredis_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlredis"
	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

// Every process of the fleet builds the same cache (same Redis, prefix and
// secret) and gives it to its pool: each workspace's token is then fetched
// once for the whole fleet, and stored encrypted.
func ExampleNewTokenCache() {
	partnerSecret := os.Getenv("TL_PARTNER_SECRET")
	partner, err := tlpartner.NewClient(os.Getenv("TL_PARTNER_ID"), partnerSecret)
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"})
	defer rdb.Close()

	cache, err := tlredis.NewTokenCache(rdb, []byte(partnerSecret))
	if err != nil {
		log.Fatal(err)
	}
	pool, err := partner.PublicAPIPool(tlpartner.WithTokenCache(cache))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	ctx := context.Background()
	pc, err := pool.Get(ctx, "acme-co")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("Hello")}); err != nil {
		log.Fatal(err)
	}
}

// Every process behind one egress IP builds its limiter on the same Redis
// key and so draws from one budget: 25 requests a second, bursts of 10.
func ExampleNewLimiter() {
	rdb := redis.NewClient(&redis.Options{Addr: exampleRedisAddr}) // in production: your Redis, e.g. "redis:6379"
	defer rdb.Close()

	lim, err := tlredis.NewLimiter(rdb, "tlpartner:ratelimit:example", 25, 10)
	if err != nil {
		log.Fatal(err)
	}
	// Give it to every client of every process.
	if _, err := tlpartner.NewClient("example-partner", "example-secret", tlpartner.WithRateLimiter(lim)); err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	for range 10 { // the burst goes at once
		if err := lim.Wait(ctx); err != nil {
			log.Fatal(err)
		}
	}
	// The 11th request has to wait 40 ms for its slot: more than its
	// context allows, so it fails at once instead of sleeping in vain.
	short, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	fmt.Println(errors.Is(lim.Wait(short), context.DeadlineExceeded))
	// Output: true
}

// Replicas behind a load balancer share one deduplicator, so a delivery
// that reaches two of them runs the callback once.
func ExampleNewDeduplicator() {
	rdb := redis.NewClient(&redis.Options{Addr: exampleRedisAddr}) // in production: your Redis
	defer rdb.Close()
	dedup, err := tlredis.NewDeduplicator(rdb)
	if err != nil {
		log.Fatal(err)
	}

	const partnerID, secret = "example-partner", "example-secret"
	var runs atomic.Int32
	replica := func() *webhooks.Handler {
		h, err := webhooks.NewHandler(partnerID, secret, webhooks.WithDeduplicator(dedup))
		if err != nil {
			log.Fatal(err)
		}
		h.OnSeatsFull(func(context.Context, *webhooks.SeatsFull) error {
			runs.Add(1)
			return nil
		})
		return h
	}
	a, b := replica(), replica()

	body := []byte(`{"event_type":"workspace:seats_full","workspace_id":"acme-co","seats_purchased":5,"seats_available":0}`)
	for _, h := range []*webhooks.Handler{a, b} { // the same delivery reaches both replicas
		req, err := webhookstest.Signer{PartnerID: partnerID, Secret: secret}.NewRequest(context.Background(), "http://replica/webhooks", body)
		if err != nil {
			log.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		fmt.Println("answered", w.Code)
	}
	fmt.Println("callback ran", runs.Load(), "time(s)")
	// Output:
	// answered 200
	// answered 200
	// callback ran 1 time(s)
}
