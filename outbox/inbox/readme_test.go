package inbox_test

// The Go block of the root README's "Receiving every message" is the
// region between "// readme:begin NAME" and "// readme:end" below (one tab
// of indentation removed); the README marks it with
// "<!-- outbox/inbox/readme_test.go: NAME -->" right before the block.
// TestREADMESnippet fails when they differ, so the snippet compiles.

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

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

// TestREADMESnippet checks that the README's inbox block is the region
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
		case "// readme:begin inbox":
			in = true
			continue
		case "// readme:end":
			in = false
		}
		if in {
			region = append(region, strings.TrimPrefix(line, "\t"))
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	marker := "<!-- outbox/inbox/readme_test.go: inbox -->\n```go\n"
	i := strings.Index(string(readme), marker)
	if i < 0 {
		t.Fatal("README.md has no block marked " + strings.TrimSpace(marker[:strings.Index(marker, "\n")]))
	}
	rest := string(readme)[i+len(marker):]
	block := rest[:strings.Index(rest, "\n```")]
	if want := strings.Join(region, "\n"); block != want {
		t.Errorf("README.md's inbox block differs from readme_test.go:\n--- README\n%s\n--- readme_test.go\n%s", block, want)
	}
}
