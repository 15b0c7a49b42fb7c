// Command fleet provisions workspaces with several workers that share one
// TimelinesAI rate limit through Redis.
//
//	go run ./examples/fleet -redis 127.0.0.1:6379 -workers 4 -workspaces 120
//
// (run from the tlredis directory, with a Redis server at -redis). It starts
// tlpartnertest, an in-process fake of the Partner API, and N workers. Each
// worker has what a separate process would have: its own Redis connection
// pool, its own tlredis.Limiter on the shared key, and its own
// tlpartner.Client. Together they create the workspaces at no more than the
// shared limit (default 25 requests per second, burst 10, leaving headroom
// under TimelinesAI's 30/s per source IP for other traffic), and the
// program prints a progress line per second with the requests sent in that
// second.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/tlredis"
)

// config is what the command line decides.
type config struct {
	redisAddr  string
	key        string
	workers    int
	workspaces int
	perSecond  float64
	burst      int
	failClosed bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.redisAddr, "redis", envOr("REDIS_ADDR", "127.0.0.1:6379"), "Redis address (host:port); default $REDIS_ADDR or 127.0.0.1:6379")
	flag.StringVar(&cfg.key, "key", "tlpartner:ratelimit:example-fleet", "Redis key of the shared rate limit")
	flag.IntVar(&cfg.workers, "workers", 4, "number of workers")
	flag.IntVar(&cfg.workspaces, "workspaces", 120, "number of workspaces to create")
	flag.Float64Var(&cfg.perSecond, "rate", 25, "shared limit in requests per second")
	flag.IntVar(&cfg.burst, "burst", 10, "shared burst")
	flag.BoolVar(&cfg.failClosed, "fail-closed", false, "refuse requests while Redis is unavailable (default: fail open with a warning)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// counter counts the HTTP requests the workers send, per second since the
// start.
type counter struct {
	start time.Time
	mu    sync.Mutex
	perS  []int
}

func (c *counter) add() {
	i := int(time.Since(c.start) / time.Second)
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.perS) <= i {
		c.perS = append(c.perS, 0)
	}
	c.perS[i]++
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.perS {
		n += v
	}
	return n
}

func (c *counter) second(i int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i < len(c.perS) {
		return c.perS[i]
	}
	return 0
}

// counting is an http.RoundTripper that counts every attempt it sends.
type counting struct {
	next http.RoundTripper
	c    *counter
}

func (t counting) RoundTrip(r *http.Request) (*http.Response, error) {
	t.c.add()
	return t.next.RoundTrip(r)
}

// run provisions cfg.workspaces workspaces on a fresh fake and writes the
// progress to out.
func run(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.workers < 1 || cfg.workspaces < 1 {
		return errors.New("-workers and -workspaces must be at least 1")
	}
	fake, err := tlpartnertest.StartServer(tlpartnertest.Options{})
	if err != nil {
		return err
	}
	defer fake.Close()

	// Start from a fresh budget, as a new egress IP would.
	probe := redis.NewClient(&redis.Options{Addr: cfg.redisAddr})
	err = probe.Del(ctx, cfg.key).Err()
	_ = probe.Close()
	if err != nil {
		return fmt.Errorf("redis at %s: %w", cfg.redisAddr, err)
	}

	mode := tlredis.FailOpen
	if cfg.failClosed {
		mode = tlredis.FailClosed
	}
	count := &counter{start: time.Now()}
	jobs := make(chan int)
	var created, failed atomic.Int64
	var wg sync.WaitGroup
	for w := range cfg.workers {
		// Everything below is per worker, as in separate processes.
		rdb := redis.NewClient(&redis.Options{Addr: cfg.redisAddr})
		defer rdb.Close()
		lim, err := tlredis.NewLimiter(rdb, cfg.key, cfg.perSecond, cfg.burst, tlredis.WithFailMode(mode))
		if err != nil {
			return err
		}
		client, err := fake.Client(
			tlpartner.WithRateLimiter(lim),
			tlpartner.WithHTTPClient(&http.Client{Transport: counting{next: http.DefaultTransport, c: count}}),
		)
		if err != nil {
			return err
		}
		wg.Go(func() {
			for i := range jobs {
				_, err := client.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{
					DisplayName:    fmt.Sprintf("fleet-w%d-%04d", w, i),
					SeatsPurchased: 1,
				})
				if err != nil {
					failed.Add(1)
					fmt.Fprintf(out, "worker %d: workspace %d: %v\n", w, i, err)
					continue
				}
				created.Add(1)
			}
		})
	}

	fmt.Fprintf(out, "fleet: %d workers, %d workspaces, shared limit %g/s burst %d on Redis key %q\n",
		cfg.workers, cfg.workspaces, cfg.perSecond, cfg.burst, cfg.key)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer close(jobs)
		for i := range cfg.workspaces {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	allDone := make(chan struct{})
	go func() { <-finished; wg.Wait(); close(allDone) }()

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
progress:
	for s := 1; ; s++ {
		select {
		case <-tick.C:
			fmt.Fprintf(out, "fleet: second %d: %d requests sent, %d/%d workspaces created\n",
				s, count.second(s-1), created.Load(), cfg.workspaces)
		case <-allDone:
			break progress
		}
	}
	elapsed := time.Since(count.start)
	fmt.Fprintf(out, "fleet: done in %.1fs: %d created, %d failed, %d requests, %.1f requests/s on average\n",
		elapsed.Seconds(), created.Load(), failed.Load(), count.total(), float64(count.total())/elapsed.Seconds())
	if err := ctx.Err(); err != nil {
		return err
	}
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d workspaces failed", n)
	}
	return nil
}
