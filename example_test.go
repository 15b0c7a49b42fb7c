package tlpartner_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"time"

	"github.com/tlpartner/tlpartner-go"
)

func ExampleNewClient() {
	baseURL, partnerID, partnerSecret, stop := exampleServer()
	defer stop()

	// In production only the credentials are needed; WithBaseURL points the
	// client at a test server here.
	c, err := tlpartner.NewClient(partnerID, partnerSecret,
		tlpartner.WithBaseURL(baseURL),
		tlpartner.WithUserAgent("acme-billing/1.0"),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.PartnerID())

	ws, err := c.CreateWorkspace(context.Background(), tlpartner.CreateWorkspaceParams{
		DisplayName:    "acme-co",
		SeatsPurchased: 5,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("created %s with %d/%d seats free, owner user %d\n", ws.ID, ws.SeatsAvailable, ws.SeatsTotal, ws.OwnerUserID)
	// Output:
	// example-partner
	// created acme-co with 4/5 seats free, owner user 42
}

func ExampleClient_GenerateQR() {
	c, stop := exampleClient()
	defer stop()

	qr, err := c.GenerateQR(context.Background(), "acme-co", 42, &tlpartner.GenerateQRParams{ExpiresInHours: 48})
	if err != nil {
		log.Fatal(err)
	}
	// Show the link in an iframe on your page with display_mode=embedding.
	embed, err := qr.EmbedURL()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(qr.Link)
	fmt.Println(embed)
	fmt.Println("expires:", qr.ExpiresAt.Format(time.RFC3339))
	fmt.Println("previous link revoked:", qr.PreviousQRRevoked, "- account disconnected:", qr.WhatsAppDisconnected)
	// Output:
	// https://app.timelines.ai/qr/3f9c2a71d0
	// https://app.timelines.ai/qr/3f9c2a71d0?display_mode=embedding
	// expires: 2026-03-16T12:00:00Z
	// previous link revoked: false - account disconnected: false
}

func ExampleClient_GetWorkspace() {
	c, stop := exampleClient()
	defer stop()

	ws, err := c.GetWorkspace(context.Background(), "acme-co")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d of %d seats used, %d messages left\n", ws.DisplayName, ws.Seats.Used, ws.Seats.Total, ws.MessagesQuota.Remaining())
	for _, u := range ws.Users {
		fmt.Printf("user %d (%s)\n", u.ID, u.Role)
	}
	for _, a := range ws.WhatsAppAccounts {
		fmt.Printf("whatsapp %s connected=%t for user %d\n", a.PhoneNumberE164, a.Connected, a.UserID)
	}
	// Output:
	// acme-co: 2 of 5 seats used, 9500 messages left
	// user 42 (owner)
	// user 43 (agent)
	// whatsapp +31612345678 connected=true for user 43
}

// Errors from the server are *APIError values; match their class with
// errors.Is and read the details with errors.As. Bad input is caught before
// any request with a *ValidationError.
func Example_errorHandling() {
	c, stop := exampleClient()
	defer stop()
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
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Description)
	}

	_, err = c.CreateUsers(ctx, "acme-co", 500)
	var vErr *tlpartner.ValidationError
	if errors.As(err, &vErr) {
		fmt.Println("invalid", vErr.Field+":", vErr.Reason)
	}
	fmt.Println(err)
	// Output:
	// not found
	// 404 workspace_not_found Workspace not found
	// invalid count: must be between 1 and 99, got 500
	// tlpartner: invalid count: must be between 1 and 99, got 500
}

// Do reaches routes and fields the SDK does not model yet, with the same
// authentication, retries and error handling as the typed methods.
func ExampleClient_Do() {
	c, stop := exampleClient()
	defer stop()

	var raw map[string]any
	resp, err := c.Do(context.Background(), "GET", "/workspaces/"+url.PathEscape("acme-co"), nil, &raw)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("X-TL-API-Version"), raw["display_name"])
	// Output:
	// 200 v1 acme-co
}

// exampleClient returns a client for the example server.
func exampleClient() (*tlpartner.Client, func()) {
	baseURL, partnerID, partnerSecret, stop := exampleServer()
	c, err := tlpartner.NewClient(partnerID, partnerSecret, tlpartner.WithBaseURL(baseURL))
	if err != nil {
		stop()
		log.Fatal(err)
	}
	return c, stop
}
