package tlpartnertest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// Onboarding is a stand-in for a partner's own code: it provisions a
// TimelinesAI workspace for a new customer and returns the QR link the
// customer scans. Its tests run against tlpartnertest.
type Onboarding struct {
	TL *tlpartner.Client
}

// Start creates the customer's workspace with one agent and a QR link.
func (o *Onboarding) Start(ctx context.Context, customer string) (workspaceID, qrLink string, err error) {
	ws, err := o.TL.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: customer, SeatsPurchased: 2})
	if err != nil {
		return "", "", fmt.Errorf("create workspace: %w", err)
	}
	users, err := o.TL.CreateUsers(ctx, ws.ID, 1)
	if err != nil {
		return "", "", fmt.Errorf("create user: %w", err)
	}
	qr, err := o.TL.GenerateQR(ctx, ws.ID, users.Users[0].ID, tlpartner.GenerateQRParams{})
	if err != nil {
		return "", "", fmt.Errorf("qr link: %w", err)
	}
	return ws.ID, qr.URL, nil
}

// A partner integration test: the service under test talks to the fake over
// real HTTP, the test plays the customer's phone with SimulateScan, and
// checks the outcome through the API.
func Example() {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{PartnerID: "acme"})
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	svc := &Onboarding{TL: client}
	wsID, link, err := svc.Start(ctx, "Blue Bikes Ltd")
	if err != nil {
		log.Fatal(err)
	}

	// The customer scans the QR code with WhatsApp.
	if _, err := srv.SimulateScan(link, "+31612345678"); err != nil {
		log.Fatal(err)
	}

	details, err := client.GetWorkspace(ctx, wsID)
	if err != nil {
		log.Fatal(err)
	}
	acct := details.WhatsAppAccounts[0]
	fmt.Println("workspace:", details.ID)
	fmt.Println("seats used:", details.Seats.Used, "of", details.Seats.Total)
	fmt.Println("connected:", acct.Connected, acct.PhoneNumberE164)
	fmt.Println("active QR links:", len(details.QRLinks))

	// Onboarding the same customer twice is a conflict.
	_, _, err = svc.Start(ctx, "Blue Bikes Ltd")
	fmt.Println("again:", errors.Is(err, tlpartner.ErrConflict))
	// Output:
	// workspace: blue-bikes-ltd
	// seats used: 2 of 2
	// connected: true +31612345678
	// active QR links: 0
	// again: true
}

// Receiving the Partner webhooks the fake sends, with the webhooks package:
// the same handler a partner mounts in production.
func ExampleServer_WaitForDeliveries() {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{PartnerID: "acme"})
	defer srv.Close()

	connected := make(chan *webhooks.WhatsAppAccountConnected, 1)
	h, err := webhooks.NewHandler(srv.PartnerID(), srv.Secret())
	if err != nil {
		log.Fatal(err)
	}
	h.OnWhatsAppAccountConnected(func(_ context.Context, e *webhooks.WhatsAppAccountConnected) error {
		connected <- e
		return nil
	})
	receiver := httptest.NewServer(h)
	defer receiver.Close()
	srv.SetWebhookURL(receiver.URL)

	client, _ := srv.Client()
	ctx := context.Background()
	ws, _ := client.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "hooks", SeatsPurchased: 3})
	users, _ := client.CreateUsers(ctx, ws.ID, 1)
	qr, _ := client.GenerateQR(ctx, ws.ID, users.Users[0].ID, tlpartner.GenerateQRParams{})
	if _, err := srv.SimulateScan(qr.URL, "+4915112345678"); err != nil {
		log.Fatal(err)
	}

	e := <-connected
	fmt.Println(e.Type(), e.WorkspaceID, e.PhoneNumberE164)

	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ds, err := srv.WaitForDeliveries(waitCtx, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ds[0].EventType, "accepted:", ds[0].OK(), "attempts:", ds[0].Attempts)
	// Output:
	// whatsapp_account:connected hooks +4915112345678
	// whatsapp_account:connected accepted: true attempts: 1
}

// Injected faults check that code survives rate limiting and outages.
func ExampleServer_InjectFaults() {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{})
	defer srv.Close()
	client, _ := srv.Client() // retries quickly: tlpartnertest.FastRetryPolicy
	ctx := context.Background()
	ws, _ := client.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "flaky", SeatsPurchased: 1})

	// Two 429s: the client retries and succeeds.
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault429, Count: 2})
	_, err := client.GetWorkspace(ctx, ws.ID)
	fmt.Println("after two 429s:", err)

	// More 503s than the client retries: the error surfaces.
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Count: 10})
	_, err = client.GetWorkspace(ctx, ws.ID)
	fmt.Println("outage is ErrServer:", errors.Is(err, tlpartner.ErrServer))
	srv.ClearFaults()

	for _, r := range srv.Requests()[1:4] {
		fmt.Println(r.Method, r.Path, r.StatusCode)
	}
	// Output:
	// after two 429s: <nil>
	// outage is ErrServer: true
	// GET /partner/api/v1/workspaces/flaky 429
	// GET /partner/api/v1/workspaces/flaky 429
	// GET /partner/api/v1/workspaces/flaky 200
}

// QR links expire on the fake's clock, which tests can move forward.
func ExampleServer_Advance() {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{})
	defer srv.Close()
	client, _ := srv.Client()
	ctx := context.Background()
	ws, _ := client.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "clock", SeatsPurchased: 2})
	users, _ := client.CreateUsers(ctx, ws.ID, 1)
	qr, _ := client.GenerateQR(ctx, ws.ID, users.Users[0].ID, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(1)})

	srv.Advance(61 * time.Minute)
	status, _ := srv.QRLinkStatus(qr.URL)
	fmt.Println("link:", status)
	_, err := srv.SimulateScan(qr.URL, "+31612345678")
	fmt.Println("scan refused:", errors.Is(err, tlpartnertest.ErrLinkNotActive))
	// Output:
	// link: expired
	// scan refused: true
}

// Usage pushed over a threshold fires the quota webhooks.
func ExampleServer_SetUsage() {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{})
	defer srv.Close()
	receiver := httptest.NewServer(mustHandler(srv))
	defer receiver.Close()
	srv.SetWebhookURL(receiver.URL)

	client, _ := srv.Client()
	ws, _ := client.CreateWorkspace(context.Background(), tlpartner.CreateWorkspaceParams{DisplayName: "quota", SeatsPurchased: 5})
	_ = srv.SetQuota(ws.ID, tlpartnertest.QuotaMessaging, 1000)
	_ = srv.SetUsage(ws.ID, tlpartnertest.QuotaMessaging, 950)  // >= 90 %
	_ = srv.SetUsage(ws.ID, tlpartnertest.QuotaMessaging, 1000) // >= 100 %

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ds, _ := srv.WaitForDeliveries(ctx, 2)
	for _, d := range ds {
		fmt.Println(d.EventType, d.OK())
	}
	// Output:
	// workspace:quota_near_full:messaging true
	// workspace:quota_full:messaging true
}

func mustHandler(srv *tlpartnertest.Server) *webhooks.Handler {
	h, err := webhooks.NewHandler(srv.PartnerID(), srv.Secret())
	if err != nil {
		log.Fatal(err)
	}
	return h
}
