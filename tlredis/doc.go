// Package tlredis shares the SDK's client-side rate limit, its webhook
// de-duplication and workspaces' Public API tokens across processes
// through Redis. It is a separate module
// (github.com/tlpartner/tlpartner-go/tlredis), so that only programs that
// import it depend on github.com/redis/go-redis/v9.
//
// TimelinesAI limits requests per source IP address (30 per second plus a
// burst of 10). A [Limiter] is one such budget kept in Redis: every
// process that points at the same Redis key draws from it, whatever
// machine or goroutine it runs on. Give it to a client with
// tlpartner.WithRateLimiter:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	lim, err := tlredis.NewLimiter(rdb, "tlpartner:ratelimit:egress-1", 25, 10)
//	client, err := tlpartner.NewClient(partnerID, secret, tlpartner.WithRateLimiter(lim))
//
// A webhook delivery can be re-sent, and behind a load balancer it can
// reach several replicas. A [Deduplicator] lets the replicas agree, in
// Redis, which one runs the callback:
//
//	dedup, err := tlredis.NewDeduplicator(rdb)
//	h, err := webhooks.NewHandler(partnerID, secret, webhooks.WithDeduplicator(dedup))
//
// A [TokenCache] keeps workspaces' Public API tokens for a
// tlpartner.PublicAPIPool, encrypted with AES-GCM under a key derived from
// a secret of yours, so that the fleet fetches each token once:
//
//	cache, err := tlredis.NewTokenCache(rdb, []byte(partnerSecret))
//	pool, err := partner.PublicAPIPool(tlpartner.WithTokenCache(cache))
//
// All three fail in a documented way when Redis is unavailable: the limiter as
// chosen with [WithFailMode], the deduplicator always safe (the event is
// processed and the failure reported, because a lost webhook is worse than
// a duplicate), the token cache by fetching tokens directly.
package tlredis
