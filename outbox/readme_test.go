package outbox_test

// The Go block of the root README's "Sending exactly once" is the region
// between "// readme:begin outbox" and "// readme:end" below (one tab of
// indentation removed); the README marks it with
// "<!-- outbox/readme_test.go: outbox -->" right before the block.
// TestREADMESnippet fails when they differ, so the snippet compiles.

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

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

var (
	_ = readmeOutbox
	_ = sql.ErrNoRows
)

// TestREADMESnippet checks that the README's outbox block is the region
// above, verbatim.
func TestREADMESnippet(t *testing.T) {
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var region []string
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch strings.TrimSpace(line) {
		case "// readme:begin outbox":
			in = true
			continue
		case "// readme:end":
			in = false
		}
		if in {
			region = append(region, strings.TrimPrefix(line, "\t"))
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	marker := "<!-- outbox/readme_test.go: outbox -->\n```go\n"
	i := strings.Index(string(readme), marker)
	if i < 0 {
		t.Fatal("README.md has no block marked " + strings.TrimSpace(marker[:strings.Index(marker, "\n")]))
	}
	rest := string(readme)[i+len(marker):]
	block := rest[:strings.Index(rest, "\n```")]
	if want := strings.Join(region, "\n"); block != want {
		t.Errorf("README.md's outbox block differs from readme_test.go:\n--- README\n%s\n--- readme_test.go\n%s", block, want)
	}
}
