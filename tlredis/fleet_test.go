package tlredis_test

// The fleet proofs: a rate limit shared by separate OS processes, and
// webhook de-duplication shared by handler replicas, both through one real
// redis-server.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlredis"
	"github.com/tlpartner/tlpartner-go/tlredis/internal/redistest"
	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

// Parameters of the shared-limit proof.
const (
	fleetProcesses   = 4
	fleetDuration    = 5 * time.Second
	fleetOfferedRate = 200 // requests per second, all processes together
	fleetRate        = 30  // the shared limit, requests per second
	fleetBurst       = 10
)

// Environment of a worker process (the re-executed test binary).
const (
	envRole     = "TLREDIS_TEST_ROLE" // "limit-worker" selects the worker
	envRedis    = "TLREDIS_TEST_REDIS"
	envURL      = "TLREDIS_TEST_URL"
	envKey      = "TLREDIS_TEST_KEY"
	roleLimiter = "limit-worker"
)

// workerReport is what a worker process prints as its last stdout line.
type workerReport struct {
	Offered  int    `json:"offered"`
	OK       int    `json:"ok"`
	Refused  int    `json:"refused"` // the limiter said the deadline would pass first
	Other    int    `json:"other"`
	FirstErr string `json:"first_err,omitempty"`
}

// limitWorker is the body of one worker process: its own Redis client,
// its own tlredis.Limiter on the shared key and its own tlpartner.Client,
// offering fleetOfferedRate/fleetProcesses requests per second from the
// agreed start time until fleetDuration after it.
func limitWorker() int {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv(envRedis)})
	defer rdb.Close()
	// Fail closed, with a generous timeout: a Redis answer slowed down by a
	// busy machine must not count as an outage here.
	lim, err := tlredis.NewLimiter(rdb, os.Getenv(envKey), fleetRate, fleetBurst,
		tlredis.WithFailMode(tlredis.FailClosed), tlredis.WithTimeout(3*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 2
	}
	client, err := tlpartner.NewClient("fleet-partner", "fleet-test-secret-0123456789abcdef",
		tlpartner.WithBaseURL(os.Getenv(envURL)), tlpartner.WithRateLimiter(lim))
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 2
	}
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		fmt.Fprintln(os.Stderr, "worker: redis:", err)
		return 2
	}
	// Tell the parent we are ready, then read the common start time.
	fmt.Println("ready")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker: reading the start time:", err)
		return 2
	}
	startNs, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker: bad start time:", err)
		return 2
	}
	start := time.Unix(0, startNs)
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(fleetDuration))
	defer cancel()
	time.Sleep(time.Until(start))

	var mu sync.Mutex
	var rep workerReport
	var wg sync.WaitGroup
	offer := func() {
		_, err := client.GetWorkspace(ctx, "fleet-ws")
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			rep.OK++
		case errors.Is(err, context.DeadlineExceeded):
			rep.Refused++
		default:
			rep.Other++
			if rep.FirstErr == "" {
				rep.FirstErr = err.Error()
			}
		}
	}
	// An open loop: request k is offered at start + k*interval, catching
	// up after a late wake-up, so that a busy machine does not lower the
	// offered rate.
	interval := time.Second * fleetProcesses / fleetOfferedRate
	total := int(fleetDuration / interval)
	for k := 0; k < total && ctx.Err() == nil; {
		due := min(int(time.Since(start)/interval)+1, total)
		for ; k < due; k++ {
			rep.Offered++ // only this goroutine writes Offered before wg.Wait
			wg.Go(offer)
		}
		time.Sleep(time.Until(start.Add(time.Duration(k) * interval)))
	}
	wg.Wait()
	b, _ := json.Marshal(rep)
	fmt.Println(string(b))
	return 0
}

// windowCounter counts requests per one-second window after start.
type windowCounter struct {
	start time.Time
	mu    sync.Mutex
	early int
	perS  []int
}

func (c *windowCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	d := time.Since(c.start)
	if c.start.IsZero() || d < 0 {
		c.early++
	} else {
		i := int(d / time.Second)
		for len(c.perS) <= i {
			c.perS = append(c.perS, 0)
		}
		c.perS[i]++
	}
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"workspace_id":"fleet-ws","display_name":"fleet-ws"}`)
}

// TestSharedLimitAcrossProcesses: 4 OS processes offer 200 requests/s
// together for 5 s through one Redis limiter of 30/s, burst 10. The server
// sees no one-second window above 40 requests (30 + the burst) and at least
// 90 % of 30/s overall.
func TestSharedLimitAcrossProcesses(t *testing.T) {
	srv := redistest.Start(t)
	key := "tlpartner:ratelimit:fleet-proof"
	require.NoError(t, srv.Client(t).Del(context.Background(), key).Err())

	counter := &windowCounter{}
	api := httptest.NewServer(counter)
	defer api.Close()

	type proc struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stdout *bufio.Scanner
		stderr bytes.Buffer
	}
	procs := make([]*proc, fleetProcesses)
	for i := range procs {
		p := &proc{cmd: exec.Command(os.Args[0], "-test.run=^$")}
		p.cmd.Env = append(os.Environ(),
			envRole+"="+roleLimiter,
			envRedis+"="+srv.Addr,
			envURL+"="+api.URL,
			envKey+"="+key,
		)
		p.cmd.Stderr = &p.stderr
		var err error
		p.stdin, err = p.cmd.StdinPipe()
		require.NoError(t, err)
		out, err := p.cmd.StdoutPipe()
		require.NoError(t, err)
		p.stdout = bufio.NewScanner(out)
		require.NoError(t, p.cmd.Start())
		t.Cleanup(func() { _ = p.cmd.Process.Kill() })
		procs[i] = p
	}
	// When every process is up, all begin at the same instant.
	for i, p := range procs {
		if !p.stdout.Scan() || p.stdout.Text() != "ready" {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait() // stderr is complete only after Wait
			t.Fatalf("worker %d did not start: %s", i, p.stderr.String())
		}
	}
	start := time.Now().Add(200 * time.Millisecond)
	counter.mu.Lock()
	counter.start = start
	counter.mu.Unlock()
	for _, p := range procs {
		_, err := fmt.Fprintln(p.stdin, start.UnixNano())
		require.NoError(t, err)
	}

	var total workerReport
	for i, p := range procs {
		var last string
		for p.stdout.Scan() {
			last = p.stdout.Text()
		}
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("worker %d: %v: %s", i, err, p.stderr.String())
		}
		var rep workerReport
		require.NoError(t, json.Unmarshal([]byte(last), &rep), "worker %d stdout: %q", i, last)
		t.Logf("process %d (pid %d): offered %d, sent %d, refused at once by the limiter %d, other errors %d %s",
			i, p.cmd.Process.Pid, rep.Offered, rep.OK, rep.Refused, rep.Other, rep.FirstErr)
		total.Offered += rep.Offered
		total.OK += rep.OK
		total.Refused += rep.Refused
		total.Other += rep.Other
	}

	counter.mu.Lock()
	perS := append([]int(nil), counter.perS...)
	early := counter.early
	counter.mu.Unlock()
	sum := 0
	var b strings.Builder
	for i, n := range perS {
		sum += n
		fmt.Fprintf(&b, "  second %d: %d requests\n", i+1, n)
	}
	throughput := float64(sum) / fleetDuration.Seconds()
	t.Logf("requests per one-second window at the server:\n%s  total %d in %v = %.1f/s (limit %d/s, burst %d); offered %d (%.0f/s)",
		b.String(), sum, fleetDuration, throughput, fleetRate, fleetBurst, total.Offered, float64(total.Offered)/fleetDuration.Seconds())

	assert.Zero(t, early, "requests before the start")
	assert.Zero(t, total.Other, "errors other than the limiter's deadline refusals")
	assert.GreaterOrEqual(t, sum, total.OK, "every sent request reached the server")
	assert.GreaterOrEqual(t, total.Offered, int(0.9*fleetOfferedRate*fleetDuration.Seconds()), "offered load")
	for i, n := range perS {
		assert.LessOrEqual(t, n, fleetRate+fleetBurst, "window %d", i+1)
	}
	assert.GreaterOrEqual(t, throughput, 0.9*fleetRate, "throughput")
}

// replica is one webhook endpoint replica: its own Redis client,
// tlredis.Deduplicator, webhooks.Handler and HTTP server.
type replica struct {
	url  string
	logs *logBuffer
}

// replicaTimeout bounds each Redis round trip of a test replica.
const replicaTimeout = 2 * time.Second

func startReplicas(t *testing.T, n int, redisAddr, partnerID, secret string, fn func(ctx context.Context, e webhooks.Event) error) []replica {
	t.Helper()
	out := make([]replica, n)
	for i := range out {
		// Generous timeouts: on a loaded CI machine under -race a first
		// dial plus round trip can take hundreds of milliseconds, and a
		// timed-out Claim (rightly) processes the event, which would read
		// as a duplicate run here. A killed Redis refuses connections at
		// once, so the outage test stays fast.
		rdb := redis.NewClient(&redis.Options{Addr: redisAddr, DialTimeout: replicaTimeout,
			ReadTimeout: replicaTimeout, WriteTimeout: replicaTimeout, MaxRetries: -1})
		t.Cleanup(func() { _ = rdb.Close() })
		require.NoError(t, rdb.Ping(t.Context()).Err(), "warm up the replica's connection")
		dedup, err := tlredis.NewDeduplicator(rdb, tlredis.WithKeyPrefix("replica-test:"),
			tlredis.WithTimeout(replicaTimeout))
		require.NoError(t, err)
		logger, logs := newLogger()
		h, err := webhooks.NewHandler(partnerID, secret, webhooks.WithDeduplicator(dedup), webhooks.WithLogger(logger))
		require.NoError(t, err)
		h.OnEvent(fn)
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		out[i] = replica{url: s.URL, logs: logs}
	}
	return out
}

// deliver sends one delivery (the same headers and body) to every replica
// at once and returns the status codes in replica order.
func deliver(t *testing.T, replicas []replica, header http.Header, body []byte, answered func()) []int {
	t.Helper()
	codes := make([]int, len(replicas))
	var wg sync.WaitGroup
	for i, r := range replicas {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodPost, r.url, bytes.NewReader(body))
			if !assert.NoError(t, err) {
				return
			}
			req.Header = header.Clone()
			resp, err := http.DefaultClient.Do(req)
			if !assert.NoError(t, err) {
				return
			}
			_ = resp.Body.Close()
			codes[i] = resp.StatusCode
			if answered != nil {
				answered()
			}
		})
	}
	wg.Wait()
	return codes
}

func countCodes(codes []int) map[int]int {
	m := map[int]int{}
	for _, c := range codes {
		m[c]++
	}
	return m
}

// TestReplicaDedup: one signed delivery reaches 3 handler replicas that
// share one Redis: the callback runs exactly once. When that run fails,
// the sender's retry (to all replicas again) runs it exactly once more.
func TestReplicaDedup(t *testing.T) {
	srv := redistest.Start(t)
	signer := webhookstest.Signer{PartnerID: "partner_12345", Secret: "replica-test-secret-0123456789"}
	body := []byte(`{"workspace_id":"my-workspace","event_type":"workspace:seats_full","partner_id":"partner_12345",` +
		`"triggered_at":"2024-01-01T12:00:00Z","seats_purchased":10,"seats_available":10}`)

	var calls atomic.Int64
	var failNext atomic.Bool
	othersAnswered := make(chan struct{})
	var answeredCount atomic.Int64
	replicas := startReplicas(t, 3, srv.Addr, signer.PartnerID, signer.Secret, func(ctx context.Context, e webhooks.Event) error {
		calls.Add(1)
		if failNext.Swap(false) {
			// Hold the claim until the two other replicas have answered,
			// then fail: they must have seen the claim, not the release.
			select {
			case <-othersAnswered:
			case <-time.After(5 * time.Second):
			}
			return errors.New("callback failed")
		}
		return nil
	})
	header, err := signer.Header()
	require.NoError(t, err)

	// 1. A delivery to 3 replicas runs the callback once.
	codes := deliver(t, replicas, header, body, nil)
	assert.Equal(t, map[int]int{200: 3}, countCodes(codes))
	assert.Equal(t, int64(1), calls.Load(), "the callback runs exactly once across replicas")
	// The same delivery again (a replay) runs nothing.
	codes = deliver(t, replicas, header, body, nil)
	assert.Equal(t, map[int]int{200: 3}, countCodes(codes))
	assert.Equal(t, int64(1), calls.Load())
	dupLogs := 0
	for _, r := range replicas {
		dupLogs += r.logs.count("duplicate")
	}
	assert.Equal(t, 5, dupLogs, "each duplicate is logged")

	// 2. Another event whose callback fails: one replica runs it and
	// answers 500, the others answer 200 as duplicates.
	body2 := bytes.Replace(body, []byte(`12:00:00Z`), []byte(`12:05:00Z`), 1)
	calls.Store(0)
	failNext.Store(true)
	codes = deliver(t, replicas, header, body2, func() {
		if answeredCount.Add(1) == 2 {
			close(othersAnswered)
		}
	})
	assert.Equal(t, map[int]int{200: 2, 500: 1}, countCodes(codes))
	assert.Equal(t, int64(1), calls.Load())

	// 3. The sender retries (a fresh signature, the same event): the
	// released claim lets it run exactly once more, and it succeeds.
	header2, err := signer.Header()
	require.NoError(t, err)
	codes = deliver(t, replicas, header2, body2, nil)
	assert.Equal(t, map[int]int{200: 3}, countCodes(codes))
	assert.Equal(t, int64(2), calls.Load(), "the retry runs the callback once more")
	codes = deliver(t, replicas, header2, body2, nil)
	assert.Equal(t, map[int]int{200: 3}, countCodes(codes))
	assert.Equal(t, int64(2), calls.Load(), "and not again after it succeeded")
}

// TestReplicaDedupRedisKilled: with Redis gone, every replica processes the
// delivery (a duplicate beats a lost webhook), logs the store failure, and
// answers within bounded time; nothing panics.
func TestReplicaDedupRedisKilled(t *testing.T) {
	srv := redistest.Start(t)
	signer := webhookstest.Signer{PartnerID: "partner_12345", Secret: "replica-test-secret-0123456789"}
	body := []byte(`{"workspace_id":"my-workspace","event_type":"workspace:seats_full","partner_id":"partner_12345",` +
		`"triggered_at":"2024-01-01T12:00:00Z","seats_purchased":10,"seats_available":10}`)
	var calls atomic.Int64
	replicas := startReplicas(t, 3, srv.Addr, signer.PartnerID, signer.Secret, func(ctx context.Context, e webhooks.Event) error {
		calls.Add(1)
		return nil
	})
	header, err := signer.Header()
	require.NoError(t, err)
	codes := deliver(t, replicas, header, body, nil)
	assert.Equal(t, map[int]int{200: 3}, countCodes(codes))
	require.Equal(t, int64(1), calls.Load())

	srv.Kill()
	body2 := bytes.Replace(body, []byte(`12:00:00Z`), []byte(`12:10:00Z`), 1)
	start := time.Now()
	codes = deliver(t, replicas, header, body2, nil)
	assert.Less(t, time.Since(start), 2*replicaTimeout, "bounded by the deduplicator's timeout")
	assert.Equal(t, map[int]int{200: 3}, countCodes(codes))
	assert.Equal(t, int64(4), calls.Load(), "every replica processes while Redis is down")
	for i, r := range replicas {
		assert.Contains(t, r.logs.String(), "level=WARN", "replica %d logs the store failure", i)
		assert.Contains(t, r.logs.String(), "redis unavailable", "replica %d", i)
	}
}

// TestClientLimiterRedisKilled: a tlpartner.Client whose Redis limiter loses
// Redis mid-run follows the limiter's fail mode: fail closed refuses the
// call without sending it (an error matching tlredis.ErrUnavailable), fail
// open sends it and logs a warning. Neither outlives the call's context.
func TestClientLimiterRedisKilled(t *testing.T) {
	for _, mode := range []tlredis.FailMode{tlredis.FailClosed, tlredis.FailOpen} {
		t.Run(mode.String(), func(t *testing.T) {
			srv := redistest.Start(t)
			var hits atomic.Int64
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"workspace_id":"w","display_name":"w"}`)
			}))
			defer api.Close()
			logger, logs := newLogger()
			lim, err := tlredis.NewLimiter(srv.Client(t), "client-killed", 50, 5,
				tlredis.WithFailMode(mode), tlredis.WithLogger(logger), tlredis.WithTimeout(200*time.Millisecond))
			require.NoError(t, err)
			client, err := tlpartner.NewClient("fleet-partner", "fleet-test-secret-0123456789abcdef",
				tlpartner.WithBaseURL(api.URL), tlpartner.WithRateLimiter(lim))
			require.NoError(t, err)

			ctx := context.Background()
			_, err = client.GetWorkspace(ctx, "w")
			require.NoError(t, err)
			require.Equal(t, int64(1), hits.Load())

			srv.Kill()
			for range 3 {
				cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				start := time.Now()
				_, err = client.GetWorkspace(cctx, "w")
				cancel()
				assert.Less(t, time.Since(start), 2*time.Second, "bounded by the context (300ms), not hung")
				switch mode {
				case tlredis.FailClosed:
					require.ErrorIs(t, err, tlredis.ErrUnavailable)
				case tlredis.FailOpen:
					require.NoError(t, err)
				}
			}
			switch mode {
			case tlredis.FailClosed:
				assert.Equal(t, int64(1), hits.Load(), "nothing is sent while the limiter cannot ask Redis")
			case tlredis.FailOpen:
				assert.Equal(t, int64(4), hits.Load())
				assert.Contains(t, logs.String(), "level=WARN")
			}
		})
	}
}
