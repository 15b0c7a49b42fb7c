package inbox_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/inbox"
	"github.com/tlpartner/tlpartner-go/outbox/internal/store"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// The soak's receiver processes are this test binary, started with
// soakChildEnv set: see receiverMain.
const soakChildEnv = "INBOX_SOAK_RECEIVER"

const soakInterval = 5 * time.Second

// soakCalls is the table the receivers' callback writes, in the
// delivery's transaction.
const soakCallsDDL = `CREATE TABLE IF NOT EXISTS soak_calls (
	id %s PRIMARY KEY,
	uid TEXT NOT NULL,
	chat_id BIGINT NOT NULL,
	source TEXT NOT NULL,
	at BIGINT NOT NULL)`

// receiverMain is a receiver process: it opens the inbox on the store
// named by the environment, serves its handler on a loopback port
// (printed as "LISTEN <addr>"), and runs until killed.
func receiverMain() {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	var loc outbox.Store
	if p := os.Getenv("SOAK_SQLITE"); p != "" {
		loc = outbox.SQLite(p)
	} else {
		pool, err := pgxpool.New(ctx, os.Getenv("SOAK_POSTGRES"))
		if err != nil {
			fail(err)
		}
		loc = outbox.Postgres(pool)
	}
	client, err := publicapi.NewClient(os.Getenv("SOAK_TOKEN"), publicapi.WithBaseURL(os.Getenv("SOAK_API")))
	if err != nil {
		fail(err)
	}
	clients := func(context.Context, string) (*publicapi.Client, error) { return client, nil }
	deliver := func(ctx context.Context, m inbox.Message) error {
		const q = `INSERT INTO soak_calls (uid, chat_id, source, at) VALUES ($1, $2, $3, $4)`
		now := time.Now().UnixMilli()
		if tx := inbox.SQLTx(ctx); tx != nil {
			_, err := tx.ExecContext(ctx, q, m.UID, m.ChatID, string(m.Source), now)
			return err
		}
		_, err := inbox.PgxTx(ctx).Exec(ctx, q, m.UID, m.ChatID, string(m.Source), now)
		return err
	}
	in, err := inbox.Open(ctx, loc, clients, deliver, inbox.WithURLToken(testToken),
		inbox.WithCatchUpInterval(soakInterval), inbox.WithLookBack(time.Minute), inbox.WithDeliveryTimeout(time.Second),
		inbox.WithPollInterval(100*time.Millisecond))
	if err != nil {
		fail(err)
	}
	if db := in.DB(); db != nil {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(soakCallsDDL, "INTEGER")); err != nil {
			fail(err)
		}
	}
	if err := in.AddWorkspace(ctx, os.Getenv("SOAK_WORKSPACE")); err != nil {
		fail(err)
	}
	ln, err := listenLoopback()
	if err != nil {
		fail(err)
	}
	go func() { _ = (&http.Server{Handler: in.Handler(), ReadHeaderTimeout: 5 * time.Second}).Serve(ln) }()
	fmt.Printf("LISTEN %s\n", ln.Addr())
	if err := in.Run(ctx); err != nil {
		fail(err)
	}
}

// lb is the one URL in front of the receivers: it forwards each delivery
// to a live receiver, round robin, and answers 502 when none is up.
type lb struct {
	mu   sync.Mutex
	live []string
	next int
}

func (b *lb) set(live []string) {
	b.mu.Lock()
	b.live = append([]string(nil), live...)
	b.mu.Unlock()
}

func (b *lb) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	if len(b.live) == 0 {
		b.mu.Unlock()
		http.Error(w, "no receiver", http.StatusBadGateway)
		return
	}
	addr := b.live[b.next%len(b.live)]
	b.next++
	b.mu.Unlock()
	target := &url.URL{Scheme: "http", Host: addr}
	p := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		ErrorLog: nil, ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }}
	p.ServeHTTP(w, r)
}

// receiver is a running receiver process.
type receiver struct {
	cmd  *exec.Cmd
	addr string
}

func startReceiver(t *testing.T, env []string) *receiver {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), soakChildEnv+"=1"), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(out)
	addr := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if a, ok := strings.CutPrefix(lines.Text(), "LISTEN "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("receiver exited before listening")
		}
		return &receiver{cmd: cmd, addr: a}
	case <-time.After(60 * time.Second):
		t.Fatal("receiver did not start within 60s")
	}
	return nil
}

func (r *receiver) kill() {
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	_ = r.cmd.Wait()
}

type soakConfig struct {
	name      string // store name in the summary line
	receivers int
	env       []string // names the store
	calls     func(ctx context.Context) ([]soakCall, error)
	count     func(ctx context.Context) (int, error) // distinct UIDs delivered
}

type soakCall struct {
	uid    string
	chat   int64
	source string
	at     time.Time
}

// runSoak sends 1,000 incoming messages over 100 chats through the fake
// with 30% of the deliveries dropped and 10% repeated; one receiver is
// killed with SIGKILL after 400 messages and comes back 10 seconds later.
// Every message must reach the callback exactly once, in chat order,
// within one catch-up interval (plus process start-up) of the return.
func runSoak(t *testing.T, cfg soakConfig) {
	w := newWorld(t)
	ctx := context.Background()
	balancer := &lb{}
	front := serve(t, balancer)
	env := append([]string{"SOAK_TOKEN=" + w.token, "SOAK_API=" + w.srv.PublicAPIURL(), "SOAK_WORKSPACE=" + w.ws}, cfg.env...)

	recv := make([]*receiver, cfg.receivers)
	addrs := func() []string {
		var out []string
		for _, r := range recv {
			if r != nil {
				out = append(out, r.addr)
			}
		}
		return out
	}
	for i := range recv {
		recv[i] = startReceiver(t, env)
	}
	balancer.set(addrs())
	if _, err := w.client(t).CreateWebhook(ctx, publicapiHook("message:received:new", front+"/inbox/"+w.ws+"/"+testToken)); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.SetWebhookFaults(tlpartnertest.WebhookFaults{Drop: 0.3, Duplicate: 0.1, Seed: 19}); err != nil {
		t.Fatal(err)
	}

	const n, chats, killAt = 1000, 100, 400
	type sent struct {
		uid  string
		chat int64
	}
	var want []sent
	var killedAt time.Time
	for i := range n {
		m, err := w.srv.SimulateIncomingMessage(w.ws, phone(i%chats), fmt.Sprintf("message %d", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, sent{m.MessageUID, m.ChatID})
		if i == killAt {
			victim := recv[0]
			recv[0] = nil
			balancer.set(addrs())
			victim.kill()
			killedAt = time.Now()
		}
		time.Sleep(8 * time.Millisecond)
	}
	time.Sleep(time.Until(killedAt.Add(10 * time.Second)))
	recv[0] = startReceiver(t, env)
	balancer.set(addrs())
	returned := time.Now()

	// Poll cheaply (a count) until every message arrived; the times come
	// from the rows afterwards.
	deadline := returned.Add(soakInterval + 60*time.Second)
	for {
		got, err := cfg.count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	// One more catch-up interval: nothing may arrive twice.
	time.Sleep(soakInterval + time.Second)
	calls, err := cfg.calls(ctx)
	if err != nil {
		t.Fatal(err)
	}

	count := map[string]int{}
	pos := map[string]int{}
	for i, s := range want {
		pos[s.uid] = i
	}
	caughtUp, twice, missed := 0, 0, 0
	last := map[int64]int{}
	disorder := 0
	for _, c := range calls {
		count[c.uid]++
		if c.source == string(inbox.SourceCatchUp) {
			caughtUp++
		}
		p := pos[c.uid]
		if q, ok := last[c.chat]; ok && q > p {
			disorder++
		}
		last[c.chat] = p
	}
	once := 0
	for _, s := range want {
		switch count[s.uid] {
		case 0:
			missed++
		case 1:
			once++
		default:
			twice++
		}
	}
	t.Logf("inbox soak (%s): %d messages, %d delivered once, %d missed, %d twice, %d caught up", cfg.name, n, once, missed, twice, caughtUp)
	fmt.Printf("inbox soak (%s): %d messages, %d delivered once, %d missed, %d twice, %d caught up\n", cfg.name, n, once, missed, twice, caughtUp)
	if once != n || missed != 0 || twice != 0 || len(calls) != n {
		t.Errorf("want every message exactly once: %d once, %d missed, %d twice, %d calls", once, missed, twice, len(calls))
	}
	if disorder != 0 {
		t.Errorf("%d messages delivered out of chat order", disorder)
	}
	if caughtUp == 0 {
		t.Error("nothing came through the catch-up: the faults did not work")
	}
	var caughtUpAt time.Time
	if once+twice == n {
		for _, c := range calls {
			if c.at.After(caughtUpAt) && count[c.uid] >= 1 {
				caughtUpAt = c.at
			}
		}
	}
	// The catch-up must start on the missed messages within one interval
	// of the receiver's return, and (without the race detector, which makes
	// the pure-Go SQLite about ten times slower) deliver all of them within
	// one interval.
	var firstMissed time.Time
	for _, c := range calls {
		if p, ok := pos[c.uid]; ok && p > killAt && c.at.After(returned) && (firstMissed.IsZero() || c.at.Before(firstMissed)) {
			firstMissed = c.at
		}
	}
	switch {
	case caughtUpAt.IsZero():
		t.Errorf("not caught up within %v of the receiver's return", deadline.Sub(returned))
	case firstMissed.IsZero() && cfg.receivers == 1:
		t.Error("no message sent while the receiver was down was delivered after its return")
	default:
		t.Logf("after the receiver returned: first missed message delivered in %v, all delivered in %v (catch-up interval %v)",
			firstMissed.Sub(returned).Round(10*time.Millisecond), caughtUpAt.Sub(returned).Round(10*time.Millisecond), soakInterval)
		if cfg.receivers == 1 && firstMissed.Sub(returned) > soakInterval {
			t.Errorf("the catch-up began %v after the receiver returned; want within one interval (%v)", firstMissed.Sub(returned), soakInterval)
		}
		// Without the race detector the whole backlog is delivered within
		// one interval too.
		if !raceEnabled && caughtUpAt.Sub(returned) > soakInterval {
			t.Errorf("all delivered %v after the receiver returned; want within one interval (%v)", caughtUpAt.Sub(returned), soakInterval)
		}
	}
}

func TestSoakSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("soak")
	}
	path := filepath.Join(t.TempDir(), "soak.db")
	runSoak(t, soakConfig{name: "sqlite", receivers: 1, env: []string{"SOAK_SQLITE=" + path},
		calls: func(ctx context.Context) ([]soakCall, error) {
			db, err := sql.Open("sqlite", store.SQLiteDSN(path))
			if err != nil {
				return nil, err
			}
			defer db.Close()
			return readCalls(ctx, func(q string) (rowsScanner, error) { return db.QueryContext(ctx, q) })
		},
		count: func(ctx context.Context) (int, error) {
			db, err := sql.Open("sqlite", store.SQLiteDSN(path))
			if err != nil {
				return 0, err
			}
			defer db.Close()
			var n int
			err = db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT uid) FROM soak_calls`).Scan(&n)
			if err != nil && strings.Contains(err.Error(), "no such table") {
				return 0, nil
			}
			return n, err
		}})
}

func TestSoakPostgresFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("soak")
	}
	dsn := pgtestDSN(t)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(context.Background(), fmt.Sprintf(soakCallsDDL, "BIGSERIAL")); err != nil {
		t.Fatal(err)
	}
	runSoak(t, soakConfig{name: "postgres, 4 receivers", receivers: 4, env: []string{"SOAK_POSTGRES=" + dsn},
		calls: func(ctx context.Context) ([]soakCall, error) {
			return readCalls(ctx, func(q string) (rowsScanner, error) {
				rows, err := pool.Query(ctx, q)
				if err != nil {
					return nil, err
				}
				return pgRowsScanner{rows}, nil
			})
		},
		count: func(ctx context.Context) (int, error) {
			var n int
			err := pool.QueryRow(ctx, `SELECT COUNT(DISTINCT uid) FROM soak_calls`).Scan(&n)
			return n, err
		}})
}

type rowsScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

func readCalls(ctx context.Context, query func(q string) (rowsScanner, error)) ([]soakCall, error) {
	rows, err := query(`SELECT uid, chat_id, source, at FROM soak_calls ORDER BY id`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "does not exist") {
			return nil, nil
		}
		return nil, err
	}
	defer rows.Close()
	var out []soakCall
	for rows.Next() {
		var c soakCall
		var at int64
		if err := rows.Scan(&c.uid, &c.chat, &c.source, &at); err != nil {
			return nil, err
		}
		c.at = time.UnixMilli(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
