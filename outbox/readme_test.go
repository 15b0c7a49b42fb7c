package outbox_test

// The Go block of outbox/README.md's "Sending exactly once" is the region
// between "// readme:begin outbox" and "// readme:end" below (one tab of
// indentation removed); the README marks it with
// "<!-- outbox/readme_test.go: outbox -->" right before the block.
// TestREADMESnippet fails when they differ, so the snippet compiles.

import (
	"context"
	"database/sql"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

func readmeOutbox(ctx context.Context, clients outbox.ClientFunc, workspaceID string) error {
	// readme:begin outbox
	ob, err := outbox.Open(ctx, outbox.SQLite("shop.db"), clients) // or outbox.Postgres(pool) for a fleet
	if err != nil {
		return err
	}
	defer ob.Close()
	go ob.Run(ctx) // the workers; any number of processes on Postgres

	tx, err := ob.DB().BeginTx(ctx, nil) // your change and its message commit together
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE orders SET status = 'shipped' WHERE id = ?", "1234"); err != nil {
		return err
	}
	_, err = ob.SendSQLTx(ctx, tx, outbox.Message{ // ob.SendTx(ctx, pgxTx, m) on Postgres, ob.Send(ctx, m) alone
		WorkspaceID: workspaceID,
		Key:         "order-1234-shipped", // a second send with this key does nothing
		Phone:       "+14155550100",
		Params:      publicapi.SendParams{Text: publicapi.Ptr("Your order has shipped")},
	})
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	st, err := ob.Status(ctx, workspaceID, "order-1234-shipped") // pending, sending, sent, failed, unresolved
	// readme:end
	_ = st
	return err
}

// TestREADMEOutboxRuns runs the snippet on SQLite in a temporary working
// directory against the fake: the order's update and its message commit
// together, and the message is sent once.
func TestREADMEOutboxRuns(t *testing.T) {
	t.Chdir(t.TempDir()) // the snippet opens shop.db in the working directory
	// The application's own table, in the outbox's database. The handle is
	// closed before the outbox opens the file (it switches it to WAL).
	const dsn = "file:shop.db?_pragma=busy_timeout(30000)"
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE orders (id TEXT PRIMARY KEY, status TEXT NOT NULL); INSERT INTO orders VALUES ('1234', 'paid')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	f := newFake(t)
	clients := f.clientFunc(f.srv.PublicAPIURL())
	require.NoError(t, readmeOutbox(t.Context(), clients, f.ws))

	db, err = sql.Open("sqlite", dsn)
	require.NoError(t, err)
	defer db.Close()
	var status string
	require.NoError(t, db.QueryRow(`SELECT status FROM orders WHERE id = '1234'`).Scan(&status))
	assert.Equal(t, "shipped", status)
	ob := open(t, outbox.SQLite("shop.db"), clients) // the snippet closed its outbox; another process takes over
	run(t, ob)
	st := waitState(t, ob, f.ws, "order-1234-shipped", 30*time.Second)
	assert.Equal(t, outbox.Sent, st.State, st.LastError)
	assert.Equal(t, 1, f.sentTexts(t)["Your order has shipped"])
}

// TestREADMESnippet checks that the outbox block of outbox/README.md is the
// region above, verbatim (and so is any copy marked the same way in the
// root README), and that every Go block of outbox/README.md is compiled by
// this module's tests: here or in inbox/readme_test.go.
func TestREADMESnippet(t *testing.T) {
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	want := testutil.READMERegion(t, string(src), "outbox")
	testutil.CheckREADMEBlocks(t, want, "outbox/readme_test.go", "outbox", "README.md", "../README.md")
	testutil.CheckREADMEMarked(t, "README.md", regexp.MustCompile(`^<!-- outbox/(inbox/)?readme_test\.go: \w+ -->$`), 2)
}
