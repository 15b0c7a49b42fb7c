package inbox_test

// The Go block of outbox/README.md's "Receiving every message" is the
// region between "// readme:begin NAME" and "// readme:end" below (one tab
// of indentation removed); the README marks it with
// "<!-- outbox/inbox/readme_test.go: NAME -->" right before the block.
// TestREADMESnippet fails when they differ, so the snippet compiles.

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/inbox"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

func readmeInbox(ctx context.Context, clients inbox.ClientFunc, pc *publicapi.Client, mux *http.ServeMux, token, workspaceID string) error {
	// readme:begin inbox
	in, err := inbox.Open(ctx, outbox.SQLite("crm.db"), clients,
		func(ctx context.Context, m inbox.Message) error {
			_, err := inbox.SQLTx(ctx).ExecContext(ctx, // committed with the delivery: exactly once
				"INSERT INTO crm_messages (uid, chat_id, text) VALUES (?, ?, ?)", m.UID, m.ChatID, m.Text)
			return err
		},
		inbox.WithURLToken(token), inbox.WithPublicURL("https://crm.example.com/timelines/inbox"))
	if err != nil {
		return err
	}
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

var _ = readmeInbox

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
