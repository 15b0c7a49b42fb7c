package tlredis_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/tlpartner/tlpartner-go/tlredis/internal/redistest"
)

type quietRedisLogger struct{}

func (quietRedisLogger) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	switch os.Getenv(envRole) {
	case roleLimiter:
		os.Exit(limitWorker())
	case rolePool:
		os.Exit(poolWorker())
	}
	// go-redis logs every failed dial; the fault tests cause many on purpose.
	redis.SetLogger(quietRedisLogger{})
	os.Exit(runWithExampleRedis(m))
}

// exampleRedisAddr is the address of the redis-server the runnable examples
// use, started by TestMain.
var exampleRedisAddr string

// redisExamples are the examples that need a Redis server.
const redisExamples = "^Example(NewLimiter|NewDeduplicator)$"

// runWithExampleRedis runs the tests with a redis-server for the examples.
// Without a redis-server binary the Redis examples are skipped, like the
// Redis tests (and fail when TLREDIS_REQUIRE_SERVER=1, as in CI).
func runWithExampleRedis(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "tlredis-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	srv, err := redistest.StartProcess(dir)
	switch {
	case errors.Is(err, redistest.ErrNoBinary) && os.Getenv(redistest.RequireEnv) != "1":
		fmt.Fprintln(os.Stderr, "tlredis: skipping the Redis examples:", err)
		skip := redisExamples
		if old := flag.Lookup("test.skip"); old != nil && old.Value.String() != "" {
			skip = old.Value.String() + "|" + skip
		}
		if err := flag.Set("test.skip", skip); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	case err != nil:
		fmt.Fprintln(os.Stderr, "tlredis: the examples need a redis-server:", err)
		return 1
	default:
		defer srv.Kill()
		exampleRedisAddr = srv.Addr
	}
	return m.Run()
}
