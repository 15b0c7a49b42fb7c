package tlredis_test

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
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
	os.Exit(m.Run())
}
