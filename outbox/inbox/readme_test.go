package inbox_test

// The Go block of outbox/README.md's "Receiving every message" is the
// region between "// readme:begin NAME" and "// readme:end" below (one tab
// of indentation removed); the README marks it with
// "<!-- outbox/inbox/readme_test.go: NAME -->" right before the block.
// TestREADMESnippet fails when they differ, so the snippet compiles.

import (
	"context"
	"database/sql"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/inbox"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

func readmeInbox(ctx context.Context, clients inbox.ClientFunc, pc *publicapi.Client, mux *http.ServeMux, token, publicURL, workspaceID string) error {
	// readme:begin inbox
	in, err := inbox.Open(ctx, outbox.SQLite("crm.db"), clients,
		func(ctx context.Context, m inbox.Message) error {
			_, err := inbox.SQLTx(ctx).ExecContext(ctx, // committed with the delivery: exactly once
				"INSERT INTO crm_messages (uid, chat_id, text) VALUES (?, ?, ?)", m.UID, m.ChatID, m.Text)
			return err
		},
		inbox.WithURLToken(token), inbox.WithPublicURL(publicURL)) // e.g. https://crm.example.com/timelines/inbox
	if err != nil {
		return err
	}
	defer in.Close()
	if err := in.AddWorkspace(ctx, workspaceID); err != nil { // others are refused
		return err
	}
	if err := in.Subscribe(ctx, pc, workspaceID); err != nil { // message:received:new → in.WebhookURL
		return err
	}
	mux.Handle("POST /timelines/inbox/{ws}/{token}", in.Handler())
	return in.Run(ctx) // workers and the catch-up (WithCatchUpInterval, WithLookBack)
	// readme:end
}

// TestREADMEInboxRuns runs the snippet on SQLite in a temporary working
// directory against the fake, its mux on a loopback port: a message the
// contact sends reaches the application's table once, in the transaction
// of its delivery, and Run ends cleanly with its context.
func TestREADMEInboxRuns(t *testing.T) {
	t.Chdir(t.TempDir()) // the snippet opens crm.db in the working directory
	const dsn = "file:crm.db?_pragma=busy_timeout(30000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE crm_messages (uid TEXT PRIMARY KEY, chat_id INTEGER NOT NULL, text TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	mux := http.NewServeMux()
	base := serve(t, mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- readmeInbox(ctx, w.clients(t), w.client(t), mux, testToken, base+"/timelines/inbox", w.ws)
	}()

	waitFor(t, 30*time.Second, "the subscription", func() bool {
		hooks, err := w.client(t).ListWebhooks(context.Background())
		return err == nil && len(hooks) > 0
	})
	m, err := w.srv.SimulateIncomingMessage(w.ws, phone(7), "Is my order on its way?")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	waitFor(t, 30*time.Second, "the message in crm_messages", func() bool {
		return db.QueryRow(`SELECT text FROM crm_messages WHERE uid = ?`, m.MessageUID).Scan(&got) == nil
	})
	if got != "Is my order on its way?" {
		t.Fatalf("crm_messages has %q", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("the snippet's Run: %v", err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM crm_messages`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("crm_messages holds %d rows (%v), want 1", n, err)
	}
}

// TestREADMESnippet checks that the inbox block of outbox/README.md is the
// region above, verbatim (and so is any copy marked the same way in the
// root README).
func TestREADMESnippet(t *testing.T) {
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	want := testutil.READMERegion(t, string(src), "inbox")
	testutil.CheckREADMEBlocks(t, want, "outbox/inbox/readme_test.go", "inbox", "../README.md", "../../README.md")
}
