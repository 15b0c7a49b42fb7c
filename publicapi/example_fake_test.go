package publicapi_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// These examples run against tlpartnertest, the in-process fake of both
// APIs, with a fixed clock.

func exampleNow() time.Time { return time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC) }

// exampleWorkspace starts a fake with a workspace "acme-co" whose WhatsApp
// account (+31612345678) is connected, and returns the workspace's Public
// API token.
func exampleWorkspace() (*tlpartnertest.Server, string) {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{Now: exampleNow})
	partner, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	ws, err := partner.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "acme-co", SeatsPurchased: 2})
	if err != nil {
		log.Fatal(err)
	}
	qr, err := partner.GenerateQR(ctx, ws.ID, ws.OwnerUserID, tlpartner.GenerateQRParams{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.SimulateScan(qr.URL, "+31612345678"); err != nil {
		log.Fatal(err)
	}
	tok, err := partner.GetPublicAPIToken(ctx, ws.ID)
	if err != nil {
		log.Fatal(err)
	}
	return srv, tok.Token
}

func ExampleNewClient() {
	srv, token := exampleWorkspace()
	defer srv.Close()

	// In production: publicapi.NewClient(token) with the workspace's token
	// (or, as a partner, partnerClient.PublicAPI(ctx, workspaceID), which
	// fetches and refreshes it). WithBaseURL points it at the fake here.
	client, err := publicapi.NewClient(token,
		publicapi.WithBaseURL(srv.PublicAPIURL()),
		publicapi.WithUserAgent("acme-crm/2.1"),
		publicapi.WithMaxRetries(3),
	)
	if err != nil {
		log.Fatal(err)
	}
	ws, err := client.GetWorkspace(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ws.ID, ws.MessagesQuota.Remaining(), "message credits left")
	// Output: acme-co 10000 message credits left
}

func ExampleClient_SendToChat() {
	srv, token := exampleWorkspace()
	defer srv.Close()
	client, err := publicapi.NewClient(token, publicapi.WithBaseURL(srv.PublicAPIURL()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A customer writes in; the answer goes to the same chat, from the
	// account that owns it.
	in, err := srv.SimulateIncomingMessage("acme-co", "+14155550100", "Is my order on its way?")
	if err != nil {
		log.Fatal(err)
	}
	uid, err := client.SendToChat(ctx, in.ChatID, publicapi.SendParams{
		Text:    publicapi.Ptr("Yes, it ships today 📦"),
		ReplyTo: publicapi.Ptr(in.MessageUID), // quote the customer's message
	})
	if err != nil {
		log.Fatal(err)
	}
	m, err := client.GetMessage(ctx, uid)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.ChatID == in.ChatID, m.FromMe, m.Text)
	// Output: true true Yes, it ships today 📦
}

func ExampleClient_GetMessage() {
	srv, token := exampleWorkspace()
	defer srv.Close()
	client, err := publicapi.NewClient(token, publicapi.WithBaseURL(srv.PublicAPIURL()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	uid, err := client.SendToPhone(ctx, "+1 (415) 555-0100", publicapi.SendParams{Text: publicapi.Ptr("Your code is 4711")})
	if err != nil {
		log.Fatal(err)
	}
	m, err := client.GetMessage(ctx, uid)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Status, m.RecipientPhone, m.Text)

	srv.Advance(10 * time.Second) // the fake's clock: the message is delivered and read
	if m, err = client.GetMessage(ctx, uid); err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Status)
	// Output:
	// Sent +14155550100 Your code is 4711
	// Read
}

func ExampleClient_ListChatMessages() {
	srv, token := exampleWorkspace()
	defer srv.Close()
	client, err := publicapi.NewClient(token, publicapi.WithBaseURL(srv.PublicAPIURL()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	in, err := srv.SimulateIncomingMessage("acme-co", "+14155550100", "Hello")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.SimulateIncomingMessage("acme-co", "+14155550100", "Are you open on Sunday?"); err != nil {
		log.Fatal(err)
	}

	// Oldest first; pages are fetched as the loop goes, and break stops.
	for m, err := range client.ListChatMessages(ctx, in.ChatID, publicapi.ListChatMessagesParams{
		SortOrder: publicapi.Ptr(publicapi.SortAscending),
	}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("from me: %t: %s\n", m.FromMe, m.Text)
	}
	// Output:
	// from me: false: Hello
	// from me: false: Are you open on Sunday?
}
