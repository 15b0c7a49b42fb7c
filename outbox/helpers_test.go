package outbox_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/internal/demo"
	"github.com/tlpartner/tlpartner-go/outbox/internal/pgtest"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	os.Exit(pgtest.Main(m))
}

// fake is the in-process fake with one workspace whose WhatsApp account is
// connected.
type fake struct {
	srv   *tlpartnertest.Server
	ws    string
	token string
	pc    *publicapi.Client // a direct client without faults, for checks

	mu      sync.Mutex
	clients map[string]*publicapi.Client
}

func newFake(t testing.TB) *fake {
	t.Helper()
	srv := tlpartnertest.New(t, tlpartnertest.Options{SendInterval: time.Millisecond, Logf: func(string, ...any) {}})
	ctx := context.Background()
	partner, err := srv.Client()
	require.NoError(t, err)
	ws, err := demo.ConnectedWorkspace(ctx, srv, partner, "outbox-test", "+31612345678")
	require.NoError(t, err)
	tok, err := partner.GetPublicAPIToken(ctx, ws)
	require.NoError(t, err)
	require.NoError(t, srv.SetQuota(ws, tlpartnertest.QuotaMessaging, 1_000_000))
	f := &fake{srv: srv, ws: ws, token: tok.Token, clients: map[string]*publicapi.Client{}}
	f.pc = f.newClient(t, tok.Token, srv.PublicAPIURL())
	return f
}

// testRetry keeps the client's own retries quick.
var testRetry = publicapi.RetryPolicy{MaxRetries: 2, BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond}

func (f *fake) newClient(t testing.TB, token, base string) *publicapi.Client {
	c, err := publicapi.NewClient(token, publicapi.WithBaseURL(base), publicapi.WithRetryPolicy(testRetry))
	require.NoError(t, err)
	return c
}

// clientFunc knows the fake's workspace only.
func (f *fake) clientFunc(base string) outbox.ClientFunc {
	return func(ctx context.Context, ws string) (*publicapi.Client, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if ws != f.ws {
			return nil, fmt.Errorf("workspace %q: %w", ws, publicapi.ErrNotFound)
		}
		c := f.clients[base]
		if c == nil {
			var err error
			c, err = publicapi.NewClient(f.token, publicapi.WithBaseURL(base), publicapi.WithRetryPolicy(testRetry))
			if err != nil {
				return nil, err
			}
			f.clients[base] = c
		}
		return c, nil
	}
}

// storeKind is one of the two stores every behaviour is tested on.
type storeKind struct {
	name string
	// open returns a new empty store and, for Postgres, its URL.
	open func(t testing.TB) (outbox.Store, string)
}

var storeKinds = []storeKind{
	{"sqlite", func(t testing.TB) (outbox.Store, string) {
		p := filepath.Join(t.TempDir(), "outbox.db")
		return outbox.SQLite(p), p
	}},
	{"postgres", func(t testing.TB) (outbox.Store, string) {
		dsn := pgtest.DSN(t)
		pool, err := pgxpool.New(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		return outbox.Postgres(pool), dsn
	}},
}

// mustOpen returns a new empty store.
func (sk storeKind) mustOpen(t testing.TB) outbox.Store {
	s, _ := sk.open(t)
	return s
}

func forEachStore(t *testing.T, fn func(t *testing.T, sk storeKind)) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) { fn(t, sk) })
	}
}

// fastOpts make the outbox's waits short for tests.
func fastOpts(extra ...outbox.Option) []outbox.Option {
	return append([]outbox.Option{
		outbox.WithPollInterval(50 * time.Millisecond),
		outbox.WithSettleWindow(500 * time.Millisecond),
		outbox.WithReconcileInterval(100 * time.Millisecond),
		outbox.WithRetryBackoff(20*time.Millisecond, 200*time.Millisecond),
		outbox.WithAttemptTimeout(5 * time.Second),
		outbox.WithRescueAfter(6 * time.Second),
	}, extra...)
}

func open(t testing.TB, store outbox.Store, clients outbox.ClientFunc, opts ...outbox.Option) *outbox.Outbox {
	t.Helper()
	ob, err := outbox.Open(context.Background(), store, clients, fastOpts(opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ob.Close() })
	return ob
}

// run runs the outbox's workers until the test ends.
func run(t testing.TB, ob *outbox.Outbox) { t.Cleanup(runStop(t, ob)) }

// runStop runs the outbox's workers until the returned function is
// called; it waits for Run to return.
func runStop(t testing.TB, ob *outbox.Outbox) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ob.Run(ctx) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
}

// waitState waits until key reaches a final state, and returns it.
func waitState(t testing.TB, ob *outbox.Outbox, ws, key string, within time.Duration) outbox.Status {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, err := ob.Status(context.Background(), ws, key)
		require.NoError(t, err)
		switch st.State {
		case outbox.Sent, outbox.Failed, outbox.Unresolved:
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("key %q still %s after %s (last error %q)", key, st.State, within, st.LastError)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sentTexts lists the texts of the Public API messages of every chat of the
// fake's workspace, as the fake recorded them.
func (f *fake) sentTexts(t testing.TB) map[string]int {
	t.Helper()
	ctx := context.Background()
	out := map[string]int{}
	for ch, err := range f.pc.ListChats(ctx, publicapi.ListChatsParams{}) {
		require.NoError(t, err)
		for m, err := range f.pc.ListChatMessages(ctx, ch.ID, publicapi.ListChatMessagesParams{FromMe: publicapi.Ptr(true)}) {
			require.NoError(t, err)
			out[m.Text]++
		}
	}
	return out
}
