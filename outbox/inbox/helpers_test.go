package inbox_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/inbox"
	"github.com/tlpartner/tlpartner-go/outbox/internal/demo"
	"github.com/tlpartner/tlpartner-go/outbox/internal/pgtest"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

const testToken = "inbox-test-token-0123456789abcdef"

// world is a fake with one workspace whose WhatsApp account is connected.
type world struct {
	srv   *tlpartnertest.Server
	ws    string
	token string // the workspace's Public API token
}

func newWorld(t testing.TB) *world {
	t.Helper()
	srv := tlpartnertest.New(t, tlpartnertest.Options{WebhookAttempts: 2, WebhookBackoff: 5 * time.Millisecond,
		WebhookTimeout: 5 * time.Second, SendInterval: -1, Logf: func(string, ...any) {}})
	ctx := context.Background()
	pc, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ws, err := demo.ConnectedWorkspace(ctx, srv, pc, "inbox", "+31600000001")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := pc.GetPublicAPIToken(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	return &world{srv: srv, ws: ws, token: tok.Token}
}

func (w *world) client(t testing.TB) *publicapi.Client {
	t.Helper()
	c, err := publicapi.NewClient(w.token, publicapi.WithBaseURL(w.srv.PublicAPIURL()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (w *world) clients(t testing.TB) inbox.ClientFunc {
	c := w.client(t)
	return func(_ context.Context, ws string) (*publicapi.Client, error) {
		if ws != w.ws {
			return nil, errors.New("unknown workspace")
		}
		return c, nil
	}
}

func sqliteStore(t testing.TB) outbox.Store {
	return outbox.SQLite(filepath.Join(t.TempDir(), "inbox.db"))
}

func postgresStore(t testing.TB) outbox.Store {
	dsn := pgtest.DSN(t)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return outbox.Postgres(pool)
}

// serve serves h on a loopback port until the test ends and returns the
// base URL.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return "http://" + ln.Addr().String()
}

// collector records callback runs.
type collector struct {
	mu    sync.Mutex
	calls []inbox.Message
	fail  func(m inbox.Message) error
}

func (c *collector) deliver(_ context.Context, m inbox.Message) error {
	if c.fail != nil {
		if err := c.fail(m); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.calls = append(c.calls, m)
	c.mu.Unlock()
	return nil
}

func (c *collector) snapshot() []inbox.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]inbox.Message(nil), c.calls...)
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startRun runs in until the test ends.
func startRun(t testing.TB, in *inbox.Inbox) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		_ = in.Close()
	})
}

func phone(i int) string { return fmt.Sprintf("+4915100%06d", i) }

var _ = sql.ErrNoRows

func publicapiHook(eventType, url string) publicapi.CreateWebhookParams {
	return publicapi.CreateWebhookParams{EventType: eventType, URL: url}
}

func listenLoopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func pgtestDSN(t testing.TB) string { return pgtest.DSN(t) }

type pgRowsScanner struct{ pgxRows }

type pgxRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

func (r pgRowsScanner) Close() error { r.pgxRows.Close(); return nil }
