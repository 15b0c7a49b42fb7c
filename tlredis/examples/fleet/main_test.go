package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go/tlredis/internal/redistest"
)

// TestRun provisions 75 workspaces with 3 workers sharing 20/s, burst 5:
// every second stays within the shared limit (it would be 3x without the
// shared limiter) and a progress line is printed per second. The run takes
// (75-5)/20 = 3.5s, so at least 3 whole seconds are reported however the
// last tick and the last request race.
func TestRun(t *testing.T) {
	srv := redistest.Start(t)
	var out bytes.Buffer
	cfg := config{redisAddr: srv.Addr, key: "fleet-example", workers: 3, workspaces: 75, perSecond: 20, burst: 5}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	require.NoError(t, run(ctx, cfg, &out))
	elapsed := time.Since(start)
	t.Log("\n" + out.String())

	assert.Contains(t, out.String(), "75 created, 0 failed")
	// (75-5)/20 = 3.5s at the shared rate; 3 unshared limiters would take 1.2s.
	assert.GreaterOrEqual(t, elapsed, 3400*time.Millisecond)
	lines := regexp.MustCompile(`second (\d+): (\d+) requests sent`).FindAllStringSubmatch(out.String(), -1)
	require.GreaterOrEqual(t, len(lines), 3, "a progress line per second")
	for _, m := range lines {
		n, _ := strconv.Atoi(m[2])
		assert.LessOrEqual(t, n, 25, "second %s: over rate+burst", m[1])
	}
}
