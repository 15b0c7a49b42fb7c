package tlredis_test

import (
	"context"
	"log"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlredis"
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
