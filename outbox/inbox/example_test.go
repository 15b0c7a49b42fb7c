package inbox_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/inbox"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// An inbox on SQLite receives a customer's message from the fake.
func ExampleOpen() {
	ctx := context.Background()
	srv, _ := tlpartnertest.StartServer(tlpartnertest.Options{})
	defer srv.Close()
	workspaceID, client := exampleWorkspace(ctx, srv)

	dir, _ := os.MkdirTemp("", "inbox-example-")
	defer os.RemoveAll(dir)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	token, _ := events.GenerateToken()
	got := make(chan inbox.Message, 1)
	in, err := inbox.Open(ctx, outbox.SQLite(filepath.Join(dir, "app.db")),
		func(context.Context, string) (*publicapi.Client, error) { return client, nil },
		func(ctx context.Context, m inbox.Message) error {
			got <- m // once per message UID, in chat order
			return nil
		},
		inbox.WithURLToken(token), inbox.WithPublicURL("http://"+ln.Addr().String()+"/inbox"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer in.Close()
	go func() { _ = http.Serve(ln, in.Handler()) }()
	_ = in.AddWorkspace(ctx, workspaceID)
	_ = in.Subscribe(ctx, client, workspaceID)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- in.Run(runCtx) }()

	_, _ = srv.SimulateIncomingMessage(workspaceID, "+4915112345678", "Is my order on its way?")
	select {
	case m := <-got:
		fmt.Printf("%s in chat %d: %s\n", m.Sender.Phone, m.ChatID, m.Text)
	case <-time.After(10 * time.Second):
		fmt.Println("nothing arrived")
	}
	stop()
	<-done
	// Output: +4915112345678 in chat 1000001: Is my order on its way?
}

// exampleWorkspace makes a workspace with a connected WhatsApp account
// on the fake and returns its Public API client.
func exampleWorkspace(ctx context.Context, srv *tlpartnertest.Server) (string, *publicapi.Client) {
	partner, _ := srv.Client()
	ws, _ := partner.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "Example", SeatsPurchased: 2})
	users, _ := partner.CreateUsers(ctx, ws.ID, 1)
	qr, _ := partner.GenerateQR(ctx, ws.ID, users.Users[0].ID, tlpartner.GenerateQRParams{})
	_, _ = srv.SimulateScan(qr.URL, "+31612345678")
	client, _ := partner.PublicAPI(ctx, ws.ID)
	return ws.ID, client
}
