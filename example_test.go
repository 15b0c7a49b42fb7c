package tlpartner_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// The examples run against tlpartnertest, the in-process fake of the Partner
// API, with a fixed clock so that their output is stable. In production only
// the partner ID and secret are needed.

// exampleNow is the fake's clock in the examples.
func exampleNow() time.Time { return time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC) }

// exampleFake starts a fake with a workspace "acme-co" (5 seats) holding an
// owner and one agent whose WhatsApp account is connected, and returns a
// client for it.
func exampleFake() (*tlpartnertest.Server, *tlpartner.Client) {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{PartnerID: "example-partner", Now: exampleNow})
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "acme-co", SeatsPurchased: 5})
	if err != nil {
		log.Fatal(err)
	}
	users, err := c.CreateUsers(ctx, ws.ID, 1)
	if err != nil {
		log.Fatal(err)
	}
	qr, err := c.GenerateQR(ctx, ws.ID, users.Users[0].ID, tlpartner.GenerateQRParams{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.SimulateScan(qr.URL, "+31612345678"); err != nil {
		log.Fatal(err)
	}
	return srv, c
}

func ExampleNewClient() {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{PartnerID: "example-partner"})
	defer srv.Close()

	// In production: tlpartner.NewClient(partnerID, partnerSecret).
	// WithBaseURL points the client at the fake here.
	c, err := tlpartner.NewClient(srv.PartnerID(), srv.Secret(),
		tlpartner.WithBaseURL(srv.PartnerAPIURL()),
		tlpartner.WithUserAgent("acme-billing/1.0"),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.PartnerID())

	ws, err := c.CreateWorkspace(context.Background(), tlpartner.CreateWorkspaceParams{
		DisplayName:    "Acme Co",
		SeatsPurchased: 5,
	})
	if err != nil {
		log.Fatal(err)
	}
	// Keep ws.ID: there is no endpoint to list workspaces.
	fmt.Printf("created %s with %d/%d seats free\n", ws.ID, ws.Seats.Remaining(), ws.Seats.Total)
	// Output:
	// example-partner
	// created acme-co with 4/5 seats free
}

func ExampleClient_GenerateQR() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	ws, err := c.GetWorkspace(ctx, "acme-co")
	if err != nil {
		log.Fatal(err)
	}
	agent := ws.Users[1].ID

	// GenerateQR is destructive: it revokes the user's previous link and
	// disconnects the WhatsApp account connected for that user.
	qr, err := c.GenerateQR(ctx, "acme-co", agent, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(48)})
	if err != nil {
		log.Fatal(err)
	}
	// Show the link in an iframe on your page with display_mode=embedding.
	embedURL, err := qr.EmbedURL()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("embed:", strings.HasPrefix(embedURL, qr.URL), strings.HasSuffix(embedURL, "?display_mode=embedding"))
	fmt.Println("expires:", qr.ExpiresAt.Format(time.RFC3339))
	fmt.Println("account disconnected:", qr.WhatsAppDisconnected)
	// Output:
	// embed: true true
	// expires: 2026-03-16T12:00:00Z
	// account disconnected: true
}

func ExampleClient_GetWorkspace() {
	srv, c := exampleFake()
	defer srv.Close()

	ws, err := c.GetWorkspace(context.Background(), "acme-co")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d of %d seats used, %d messages left\n",
		ws.DisplayName, ws.Seats.Used, ws.Seats.Total, ws.MessagesQuota.Remaining())
	for _, u := range ws.Users {
		fmt.Printf("user (%s, %s)\n", u.Role, u.Status)
	}
	for _, a := range ws.WhatsAppAccounts {
		fmt.Printf("whatsapp %s connected=%t since %s\n", a.PhoneNumberE164, a.Connected, a.ConnectedAt.Format(time.RFC3339))
	}
	// Output:
	// acme-co: 2 of 5 seats used, 10000 messages left
	// user (owner, activated)
	// user (agent, activated)
	// whatsapp +31612345678 connected=true since 2026-03-14T12:00:00Z
}

// Errors from the server are *APIError values; match their class with
// errors.Is and read the details with errors.As. Bad input is caught before
// any request with a *ValidationError.
func Example_errorHandling() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	_, err := c.GetWorkspace(ctx, "no-such-workspace")
	switch {
	case errors.Is(err, tlpartner.ErrNotFound):
		fmt.Println("not found")
	case errors.Is(err, tlpartner.ErrRateLimited):
		fmt.Println("slow down")
	}
	var apiErr *tlpartner.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code)
	}

	// All or nothing: 3 seats are free, so asking for 4 users creates none.
	_, err = c.CreateUsers(ctx, "acme-co", 4)
	fmt.Println("seats full:", errors.Is(err, tlpartner.ErrSeatsFull))

	_, err = c.CreateUsers(ctx, "acme-co", 500)
	var vErr *tlpartner.ValidationError
	if errors.As(err, &vErr) {
		fmt.Println("invalid", vErr.Field+":", vErr.Reason)
	}
	// Output:
	// not found
	// 404 workspace_not_found
	// seats full: true
	// invalid count: must be between 1 and 99, got 500
}

// Do reaches routes and fields the SDK does not model yet, with the same
// authentication, retries and error handling as the typed methods.
func ExampleClient_Do() {
	srv, c := exampleFake()
	defer srv.Close()

	var raw map[string]any
	resp, err := c.Do(context.Background(), "GET", "/workspaces/"+url.PathEscape("acme-co"), nil, &raw)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("X-TL-API-Version"), raw["display_name"])
	// Output:
	// 200 v1 acme-co
}

func ExampleClient_PublicAPI() {
	srv, c := exampleFake() // a workspace "acme-co" with a connected WhatsApp account
	defer srv.Close()
	ctx := context.Background()

	// The Public API client fetches the workspace's token and refreshes it
	// by itself if the token is rotated later.
	pc, err := c.PublicAPI(ctx, "acme-co")
	if err != nil {
		log.Fatal(err)
	}
	uid, err := pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("Welcome to Acme!")})
	if err != nil {
		log.Fatal(err)
	}
	msg, err := pc.GetMessage(ctx, uid)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(msg.Text, msg.FromMe)

	// Rotating the token does not break the client.
	if _, err := c.RotatePublicAPIToken(ctx, "acme-co"); err != nil {
		log.Fatal(err)
	}
	if _, err := pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("Still here")}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent after rotation")
	// Output:
	// Welcome to Acme! true
	// sent after rotation
}
