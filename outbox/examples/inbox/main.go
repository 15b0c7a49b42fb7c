// Command inbox runs, against the in-process fake of TimelinesAI and with
// an SQLite file, the round trip a CRM makes: it sends a message through
// the outbox (recorded before any network call, sent effectively once)
// and receives the customer's reply through the inbox (delivered exactly
// once, even when the webhook is lost: half of them are dropped here).
//
//	cd outbox && go run ./examples/inbox
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/inbox"
	"github.com/tlpartner/tlpartner-go/outbox/internal/demo"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "inbox example:", err)
		os.Exit(1)
	}
}

const customer = "+4915112345678"

func run(ctx context.Context, w io.Writer) error {
	// The fake: a workspace whose WhatsApp account is connected.
	srv, err := tlpartnertest.StartServer(tlpartnertest.Options{SendInterval: 200 * time.Millisecond})
	if err != nil {
		return err
	}
	defer srv.Close()
	partner, err := srv.Client()
	if err != nil {
		return err
	}
	// Create a workspace, a user and a QR link, and scan it.
	wsID, err := demo.ConnectedWorkspace(ctx, srv, partner, "Acme CRM demo", "+31612345678")
	if err != nil {
		return err
	}
	client, err := partner.PublicAPI(ctx, wsID)
	if err != nil {
		return err
	}
	clients := func(_ context.Context, id string) (*publicapi.Client, error) {
		if id != wsID {
			return nil, fmt.Errorf("unknown workspace %q", id)
		}
		return client, nil
	}

	// One SQLite file for the outbox, the inbox and the CRM's own table.
	dir, err := os.MkdirTemp("", "tlpartner-inbox-example-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store := outbox.SQLite(filepath.Join(dir, "crm.db"))

	ob, err := outbox.Open(ctx, store, clients)
	if err != nil {
		return err
	}
	defer ob.Close()

	// The inbox's handler listens on loopback; the subscription URL
	// carries a random token.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	token, err := events.GenerateToken()
	if err != nil {
		return err
	}
	replies := make(chan inbox.Message, 1)
	in, err := inbox.Open(ctx, store, clients,
		func(ctx context.Context, m inbox.Message) error {
			// Written in the delivery's transaction: stored exactly once.
			if _, err := inbox.SQLTx(ctx).ExecContext(ctx,
				`INSERT INTO crm_messages (uid, chat_id, text) VALUES (?, ?, ?)`, m.UID, m.ChatID, m.Text); err != nil {
				return err
			}
			replies <- m
			return nil
		},
		inbox.WithURLToken(token),
		inbox.WithPublicURL("http://"+ln.Addr().String()+"/timelines/inbox"),
		inbox.WithCatchUpInterval(2*time.Second), inbox.WithPollInterval(100*time.Millisecond))
	if err != nil {
		return err
	}
	defer in.Close()
	if _, err := in.DB().ExecContext(ctx, `CREATE TABLE IF NOT EXISTS crm_messages (uid TEXT PRIMARY KEY, chat_id INTEGER, text TEXT)`); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /timelines/inbox/{ws}/{token}", in.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()

	if err := in.AddWorkspace(ctx, wsID); err != nil {
		return err
	}
	if err := in.Subscribe(ctx, client, wsID); err != nil {
		return err
	}
	fmt.Fprintf(w, "workspace %s: inbox subscribed for %v\n", wsID, in.EventTypes())

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 2)
	go func() { done <- ob.Run(runCtx) }()
	go func() { done <- in.Run(runCtx) }()
	defer func() {
		stop()
		for range 2 {
			if err := <-done; err != nil {
				fmt.Fprintln(w, "stop:", err)
			}
		}
	}()

	// 1. Send through the outbox: recorded first, then sent once.
	rc, err := ob.Send(ctx, outbox.Message{WorkspaceID: wsID, Key: "order-1234-shipped", Phone: customer,
		Params: publicapi.SendParams{Text: publicapi.Ptr("Your order #1234 has shipped. Questions? Just reply.")}})
	if err != nil {
		return err
	}
	st, err := waitSent(ctx, ob, wsID, rc.Key)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "outbox: %q sent once as message %s\n", rc.Key, st.MessageUID)

	// 2. The customer replies. Half of the fake's webhook deliveries are
	// dropped: if this one is, the catch-up finds the reply.
	if err := srv.SetWebhookFaults(tlpartnertest.WebhookFaults{Drop: 0.5, Seed: 1}); err != nil {
		return err
	}
	if _, err := srv.SimulateIncomingMessage(wsID, customer, "Thanks! When will it arrive?"); err != nil {
		return err
	}
	select {
	case m := <-replies:
		fmt.Fprintf(w, "inbox: reply in chat %d from %s: %q (via %s)\n", m.ChatID, m.Sender.Phone, m.Text, m.Source)
	case <-time.After(20 * time.Second):
		return errors.New("no reply reached the inbox within 20s")
	}
	var n int
	if err := in.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM crm_messages`).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	fmt.Fprintf(w, "crm_messages holds %d row(s)\n", n)
	return nil
}

// waitSent polls the outbox until the key is sent (or failed).
func waitSent(ctx context.Context, ob *outbox.Outbox, ws, key string) (outbox.Status, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := ob.Status(ctx, ws, key)
		if err != nil {
			return st, err
		}
		switch st.State {
		case outbox.Sent:
			return st, nil
		case outbox.Failed, outbox.Unresolved:
			return st, fmt.Errorf("outbox: %s: %s", st.State, st.LastError)
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("outbox: %q still %s after 20s", key, st.State)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
