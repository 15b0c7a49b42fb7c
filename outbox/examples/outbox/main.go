// Command outbox shows effectively-once sends against the in-process fake
// of TimelinesAI with an SQLite file: nothing to set up, no credentials.
//
// It records an order and its confirmation message in one transaction,
// records a second message twice under the same key, and makes the fake
// lose the response of the first send after queueing it (the case where a
// plain client cannot know whether the customer got the message). The
// outbox reconciles that send with the chat instead of sending it again,
// and every message reaches the customer exactly once.
//
//	cd outbox && go run ./examples/outbox
//
// The outbox lives in the nested module github.com/tlpartner/tlpartner-go/outbox
// (River, SQLite and pgx stay out of the SDK's module), so its example
// lives there too.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/internal/demo"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "outbox example:", err)
		os.Exit(1)
	}
}

const customer = "+4915112345678"

func run(ctx context.Context, w io.Writer) error {
	// The fake: a workspace whose WhatsApp account is connected.
	srv, err := tlpartnertest.StartServer(tlpartnertest.Options{SendInterval: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	defer srv.Close()
	partner, err := srv.Client()
	if err != nil {
		return err
	}
	// Create a workspace, a user and a QR link, and scan it.
	wsID, err := demo.ConnectedWorkspace(ctx, srv, partner, "Acme shop demo", "+31612345678")
	if err != nil {
		return err
	}

	// Where the outbox gets a workspace's Public API client: the partner
	// client's pool (one transport, rate limiter and token cache for
	// every workspace). Its Get method is an outbox.ClientFunc.
	pool, err := partner.PublicAPIPool()
	if err != nil {
		return err
	}
	defer pool.Close()
	client, err := pool.Get(ctx, wsID)
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "outbox-example-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ob, err := outbox.Open(ctx, outbox.SQLite(filepath.Join(dir, "shop.db")), pool.Get,
		outbox.WithSettleWindow(5*time.Second), outbox.WithReconcileInterval(500*time.Millisecond))
	if err != nil {
		return err
	}
	defer ob.Close()

	// The business change and its message in one transaction: the
	// message is sent if and only if the order is stored.
	db := ob.DB()
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, status TEXT)`); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO orders VALUES ('1234', 'shipped')`); err != nil {
		_ = tx.Rollback()
		return err
	}
	r, err := ob.SendSQLTx(ctx, tx, outbox.Message{WorkspaceID: wsID, Key: "order-1234-shipped", Phone: customer,
		Params: publicapi.SendParams{Text: publicapi.Ptr("Your order 1234 has shipped.")}})
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(w, "recorded %q with the order (entry %d)\n", r.Key, r.ID)

	// The same key twice: the second call stores nothing.
	msg := outbox.Message{WorkspaceID: wsID, Key: "order-1234-survey", Phone: customer,
		Params: publicapi.SendParams{Text: publicapi.Ptr("How did we do? Reply 1-5.")}}
	for range 2 {
		r, err := ob.Send(ctx, msg)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "recorded %q (entry %d, duplicate: %v)\n", r.Key, r.ID, r.Duplicate)
	}

	// The first send's response is lost after the server queued it.
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultLoseResponse, Method: "POST", Path: "/messages"})
	fmt.Fprintln(w, "the fake will lose the response of the next send")

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- ob.Run(runCtx) }()
	for _, key := range []string{"order-1234-shipped", "order-1234-survey"} {
		st, err := waitDone(ctx, ob, wsID, key)
		if err != nil {
			stop()
			<-done
			return err
		}
		fmt.Fprintf(w, "%s: %s as message %s (learnt from the %s, %d attempt(s))\n", key, st.State, st.MessageUID, st.ResolvedBy, st.Attempts)
	}
	stop()
	if err := <-done; err != nil {
		return err
	}

	// The fake's own record: every message once, in order.
	n := 0
	for c, err := range client.ListChats(ctx, publicapi.ListChatsParams{Phone: publicapi.Ptr(customer)}) {
		if err != nil {
			return err
		}
		for m, err := range client.ListChatMessages(ctx, c.ID, publicapi.ListChatMessagesParams{SortOrder: publicapi.Ptr(publicapi.SortAscending)}) {
			if err != nil {
				return err
			}
			n++
			fmt.Fprintf(w, "the customer got: %q\n", m.Text)
		}
	}
	fmt.Fprintf(w, "%d messages in the chat, each sent once\n", n)
	return nil
}

// waitDone polls Status until key is sent, failed or unresolved.
func waitDone(ctx context.Context, ob *outbox.Outbox, ws, key string) (outbox.Status, error) {
	for {
		st, err := ob.Status(ctx, ws, key)
		if err != nil {
			return st, err
		}
		switch st.State {
		case outbox.Sent:
			return st, nil
		case outbox.Failed, outbox.Unresolved:
			return st, errors.New(key + ": " + string(st.State) + ": " + st.LastError)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
