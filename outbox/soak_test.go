package outbox_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

// The soak test: 2,000 sends to 50 chats through a lossy proxy in front of
// the fake (30% of send responses lost after processing, plus 503s, 429s
// and dropped connections), worked by separate worker processes (this test
// binary re-executed) that are killed with SIGKILL at random moments and
// restarted. Every key must end sent exactly once per the fake's record.

const (
	childEnv    = "OUTBOX_SOAK_CHILD" // set: the binary is a soak worker
	soakKeys    = 2000
	soakChats   = 50
	soakKills   = 5 // per process
	soakTimeout = 110 * time.Second
)

// soakOpts are the outbox settings of the soak: short settle window and
// rescue time, so that a killed process's entries are taken over quickly.
func soakOpts() []outbox.Option {
	return []outbox.Option{
		outbox.WithWorkers(10),
		outbox.WithPollInterval(50 * time.Millisecond),
		outbox.WithSettleWindow(time.Second),
		outbox.WithReconcileInterval(200 * time.Millisecond),
		outbox.WithClockSkew(200 * time.Millisecond), // one machine's clock
		outbox.WithRetryBackoff(20*time.Millisecond, 500*time.Millisecond),
		outbox.WithMaxRefusals(1000),
		outbox.WithAttemptTimeout(2 * time.Second),
		outbox.WithRescueAfter(3 * time.Second),
	}
}

// childMain runs a soak worker until it is killed or gets SIGTERM.
func childMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	var store outbox.Store
	switch os.Getenv("OUTBOX_SOAK_STORE") {
	case "sqlite":
		store = outbox.SQLite(os.Getenv("OUTBOX_SOAK_DSN"))
	default:
		pool, err := pgxpool.New(ctx, os.Getenv("OUTBOX_SOAK_DSN"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer pool.Close()
		store = outbox.Postgres(pool)
	}
	c, err := publicapi.NewClient(os.Getenv("OUTBOX_SOAK_TOKEN"), publicapi.WithBaseURL(os.Getenv("OUTBOX_SOAK_BASE")), publicapi.WithRetryPolicy(testRetry))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ws := os.Getenv("OUTBOX_SOAK_WS")
	clients := func(_ context.Context, id string) (*publicapi.Client, error) {
		if id != ws {
			return nil, publicapi.ErrNotFound
		}
		return c, nil
	}
	ob, err := outbox.Open(ctx, store, clients, soakOpts()...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if p := os.Getenv("OUTBOX_SOAK_CPUPROFILE"); p != "" {
		if f, err := os.Create(fmt.Sprintf("%s.%d", p, os.Getpid())); err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	defer ob.Close()
	if err := ob.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// lossyProxy forwards to the fake and injects faults into sends (POSTs
// ending in /messages) with a fixed seed: 30% served and then the
// connection dropped (response lost after processing), 5% 503, 5% 429, 5%
// dropped before forwarding. Reads get 3% 503s.
type lossyProxy struct {
	target                                          *url.URL
	mu                                              sync.Mutex
	rng                                             *rand.Rand
	lost, unavailable, limited, dropped, readFaults atomic.Int64
}

func (p *lossyProxy) roll() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rng.Float64()
}

func (p *lossyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := p.roll()
	send := r.Method == http.MethodPost && len(r.URL.Path) > 9 && r.URL.Path[len(r.URL.Path)-9:] == "/messages"
	drop := func() {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	switch {
	case send && x < 0.05:
		p.unavailable.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"status":"error","message":"injected 503"}`)
		return
	case send && x < 0.10:
		p.limited.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":"Too Many Requests","message":"Rate limit exceeded."}`)
		return
	case send && x < 0.15:
		p.dropped.Add(1)
		drop()
		return
	case !send && x < 0.03:
		p.readFaults.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"status":"error","message":"injected 503"}`)
		return
	}
	// Forward, detached from the client: a request that reached the proxy
	// is processed even if its worker dies meanwhile.
	out := r.Clone(context.WithoutCancel(r.Context()))
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = p.target.Scheme, p.target.Host
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		drop()
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if send && x < 0.45 {
		p.lost.Add(1)
		drop()
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			procs := 4
			if sk.name == "sqlite" {
				procs = 1
			}
			soak(t, sk, procs)
		})
	}
}

func soak(t *testing.T, sk storeKind, procs int) {
	f := newFake(t)
	store, dsn := sk.open(t)
	ctx := context.Background()
	// The parent records the sends; the workers are other processes.
	ob, err := outbox.Open(ctx, store, f.clientFunc(f.srv.PublicAPIURL()), soakOpts()...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ob.Close() })

	target, err := url.Parse(f.srv.PublicAPIURL())
	require.NoError(t, err)
	proxy := &lossyProxy{target: target, rng: rand.New(rand.NewPCG(18, 2000))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: proxy}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	base := "http://" + ln.Addr().String() + target.Path

	env := append(os.Environ(), childEnv+"=1", "OUTBOX_SOAK_STORE="+sk.name, "OUTBOX_SOAK_DSN="+dsn,
		"OUTBOX_SOAK_BASE="+base, "OUTBOX_SOAK_TOKEN="+f.token, "OUTBOX_SOAK_WS="+f.ws)
	logDir := t.TempDir()
	start := func(slot, gen int) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = env
		logf, err := os.Create(filepath.Join(logDir, fmt.Sprintf("worker-%d-%d.log", slot, gen)))
		require.NoError(t, err)
		cmd.Stdout, cmd.Stderr = logf, logf
		require.NoError(t, cmd.Start())
		return cmd
	}

	var kills atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	current := make([]*exec.Cmd, procs)
	stopKilling := make(chan struct{})
	for slot := range procs {
		current[slot] = start(slot, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(slot), 7))
			for gen := 1; gen <= soakKills; gen++ {
				select {
				case <-stopKilling:
					return
				case <-time.After(time.Duration(300+rng.IntN(2200)) * time.Millisecond):
				}
				mu.Lock()
				_ = current[slot].Process.Kill() // SIGKILL
				_ = current[slot].Wait()
				kills.Add(1)
				current[slot] = start(slot, gen)
				mu.Unlock()
			}
		}()
	}
	t.Cleanup(func() {
		close(stopKilling)
		wg.Wait()
		for _, c := range current {
			_ = c.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = c.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = c.Process.Kill()
				<-done
			}
		}
	})

	// Record the sends while the workers run and die, 100 to a
	// transaction of the caller's (SendTx, SendSQLTx).
	began := time.Now()
	keys := make([]string, soakKeys)
	var pool *pgxpool.Pool
	if ob.DB() == nil {
		pool, err = pgxpool.New(ctx, dsn)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
	}
	for batch := 0; batch < soakKeys; batch += 100 {
		var (
			commit func() error
			send   func(m outbox.Message) error
		)
		if pool != nil {
			tx, err := pool.Begin(ctx)
			require.NoError(t, err)
			commit = func() error { return tx.Commit(ctx) }
			send = func(m outbox.Message) error { _, err := ob.SendTx(ctx, tx, m); return err }
		} else {
			tx, err := ob.DB().BeginTx(ctx, nil)
			require.NoError(t, err)
			commit = tx.Commit
			send = func(m outbox.Message) error { _, err := ob.SendSQLTx(ctx, tx, m); return err }
		}
		for i := batch; i < batch+100; i++ {
			keys[i] = fmt.Sprintf("soak-%04d", i)
			phone := fmt.Sprintf("+1415555%04d", i%soakChats)
			require.NoError(t, send(textMsg(f.ws, keys[i], phone, keys[i])))
		}
		require.NoError(t, commit())
	}
	enqueued := time.Since(began)
	open := func() int {
		var n int
		q := `SELECT count(*) FROM tlpartner_outbox WHERE state IN ('pending', 'sending')`
		var err error
		if pool == nil {
			err = ob.DB().QueryRowContext(ctx, q).Scan(&n)
		} else {
			err = pool.QueryRow(ctx, q).Scan(&n)
		}
		require.NoError(t, err)
		return n
	}
	deadline := time.Now().Add(soakTimeout)
	for {
		n := open()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			logs, _ := filepath.Glob(filepath.Join(logDir, "*.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				if len(b) > 0 {
					t.Logf("%s:\n%s", filepath.Base(l), b)
				}
			}
			t.Fatalf("%d of %d keys still open after %s", n, soakKeys, soakTimeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
	elapsed := time.Since(began)

	sent := f.sentTexts(t)
	once, twice, lost, reconciled, notSent := 0, 0, 0, 0, 0
	for _, k := range keys {
		switch c := sent[k]; {
		case c == 1:
			once++
		case c > 1:
			twice++
		default:
			lost++
		}
		st, err := ob.Status(ctx, f.ws, k)
		require.NoError(t, err)
		if st.State != outbox.Sent {
			notSent++
			t.Errorf("%s: %s (%s)", k, st.State, st.LastError)
		}
		if st.ResolvedBy == outbox.ByReconcile {
			reconciled++
		}
	}
	t.Logf("proxy: %d responses lost after processing, %d 503, %d 429, %d dropped; %d read 503s; recorded in %s, all done after %s",
		proxy.lost.Load(), proxy.unavailable.Load(), proxy.limited.Load(), proxy.dropped.Load(), proxy.readFaults.Load(),
		enqueued.Round(time.Millisecond), elapsed.Round(time.Millisecond))
	fmt.Printf("outbox soak (%s): %d keys, %d sent once, %d twice, %d lost, %d reconciled, %d processes killed %d times\n",
		sk.name, soakKeys, once, twice, lost, reconciled, procs, kills.Load())
	require.Equal(t, soakKeys, once, "every key sent exactly once")
	require.Zero(t, twice)
	require.Zero(t, lost)
	require.Zero(t, notSent)
	require.Equal(t, int64(procs*soakKills), kills.Load())
	require.Positive(t, proxy.lost.Load())
}
