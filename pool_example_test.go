package tlpartner_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

// A pool hands out one Public API client per workspace; the token is
// fetched once, on the first Get, and the clients share one rate limit.
func ExampleClient_PublicAPIPool() {
	srv, partner := exampleFake() // a fake with workspace "acme-co"
	defer srv.Close()
	ctx := context.Background()

	pool, err := partner.PublicAPIPool(
		tlpartner.WithPoolSize(5000), // idle clients kept; least recently used dropped first
		tlpartner.WithPublicAPIOptions(publicapi.WithRateLimit(publicapi.ServerRateLimit, publicapi.ServerRateBurst)),
		// tlpartner.WithTokenCache(cache): tlredis.NewTokenCache shares tokens, encrypted, across processes
	)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	pc, err := pool.Get(ctx, "acme-co")
	if err != nil {
		log.Fatal(err)
	}
	uid, err := pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("Your order has shipped")})
	if err != nil {
		log.Fatal(err)
	}
	again, _ := pool.Get(ctx, "acme-co")
	fmt.Println("message queued:", uid != "", "same client:", again == pc)

	_, err = pool.Get(ctx, "no-such-workspace")
	fmt.Println("unknown workspace:", errors.Is(err, tlpartner.ErrNotFound))

	// After a rotation through the pool the other processes read the new
	// token from the shared cache instead of fetching it.
	if _, err := pool.Rotate(ctx, "acme-co"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("clients kept:", pool.Len())
	// Output:
	// message queued: true same client: true
	// unknown workspace: true
	// clients kept: 0
}
