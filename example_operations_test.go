package tlpartner_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func ExampleClient_CreateWorkspace() {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{PartnerID: "example-partner", Now: exampleNow})
	defer srv.Close()
	c, err := srv.Client() // in production: tlpartner.NewClient(partnerID, partnerSecret)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{
		DisplayName:    "Acme Co",
		SeatsPurchased: 5,
	})
	if err != nil {
		log.Fatal(err)
	}
	// The id is derived from the display name; store it with your customer:
	// the API cannot list workspaces.
	fmt.Printf("%s (owner user %d): %d of %d seats free\n", ws.ID, ws.OwnerUserID, ws.Seats.Remaining(), ws.Seats.Total)

	// The same name again derives the same id: a conflict.
	_, err = c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "Acme Co", SeatsPurchased: 1})
	fmt.Println("taken:", errors.Is(err, tlpartner.ErrConflict))
	// Output:
	// acme-co (owner user 1001): 4 of 5 seats free
	// taken: true
}

func ExampleClient_CreateUsers() {
	srv, c := exampleFake() // "acme-co": 5 seats, an owner and one agent
	defer srv.Close()
	ctx := context.Background()

	res, err := c.CreateUsers(ctx, "acme-co", 2)
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range res.Users {
		fmt.Printf("user %d (%s)\n", u.ID, u.Role)
	}
	fmt.Printf("%d of %d seats free\n", res.Seats.Remaining(), res.Seats.Total)

	// All or nothing: asking for more users than free seats creates none.
	_, err = c.CreateUsers(ctx, "acme-co", 2)
	fmt.Println("seats full:", errors.Is(err, tlpartner.ErrSeatsFull))
	// Output:
	// user 1003 (agent)
	// user 1004 (agent)
	// 1 of 5 seats free
	// seats full: true
}

func ExampleClient_RotatePublicAPIToken() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	old, err := c.GetPublicAPIToken(ctx, "acme-co")
	if err != nil {
		log.Fatal(err)
	}
	// Rotating is destructive: the old token stops working at once.
	tok, err := c.RotatePublicAPIToken(ctx, "acme-co")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("changed:", tok.Token != old.Token)
	fmt.Println("rotated at:", tok.RotatedAt.Format(time.RFC3339))
	fmt.Println(tok) // printing never shows the token
	// Output:
	// changed: true
	// rotated at: 2026-03-14T12:00:00Z
	// tlpartner.PublicAPIToken{WorkspaceID: "acme-co", Token: [REDACTED], RotatedAt: 2026-03-14T12:00:00Z}
}

func ExampleClient_DisconnectWhatsApp() {
	srv, c := exampleFake() // the agent (user 1002) has a connected account
	defer srv.Close()
	ctx := context.Background()

	// Disconnecting stops billing for the account.
	res, err := c.DisconnectWhatsApp(ctx, "acme-co", 1002)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("disconnected:", res.Disconnected)

	// Idempotent: a second call finds nothing connected.
	res, err = c.DisconnectWhatsApp(ctx, "acme-co", 1002)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("disconnected again:", res.Disconnected)
	// Output:
	// disconnected: true
	// disconnected again: false
}
