package tlpartnertest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

func sdk(t *testing.T, srv *tlpartnertest.Server, opts ...tlpartner.Option) *tlpartner.Client {
	t.Helper()
	c, err := srv.Client(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestSDKEveryEndpoint walks the whole partner lifecycle with the SDK.
func TestSDKEveryEndpoint(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{PartnerID: "acme"})
	c := sdk(t, srv)
	ctx := ctxT(t)
	if c.PartnerID() != "acme" || c.BaseURL() != srv.PartnerAPIURL() {
		t.Fatalf("client %s %s", c.PartnerID(), c.BaseURL())
	}

	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "Acme Corp", SeatsPurchased: 3})
	if err != nil {
		t.Fatal(err)
	}
	if ws.ID != "acme-corp" || ws.Seats.Total != 3 || ws.Seats.Remaining() != 2 || ws.OwnerUserID == 0 || ws.CreatedAt.IsZero() || ws.PlanID != 1 {
		t.Fatalf("workspace %+v", ws)
	}
	users, err := c.CreateUsers(ctx, ws.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(users.Users) != 2 || users.Seats.Remaining() != 0 || users.Users[0].Role != "agent" {
		t.Fatalf("users %+v", users)
	}
	agent := users.Users[0].ID

	qr, err := c.GenerateQR(ctx, ws.ID, agent, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(48)})
	if err != nil {
		t.Fatal(err)
	}
	if qr.URL == "" || qr.UserID != agent || qr.PreviousQRRevoked || qr.WhatsAppDisconnected || qr.ExpiresAt.Sub(srv.Now()) < 47*time.Hour {
		t.Fatalf("qr %+v", qr)
	}
	embedURL, err := qr.EmbedURL()
	if err != nil || !strings.HasSuffix(embedURL, "?display_mode=embedding") {
		t.Fatalf("embed URL %q %v", embedURL, err)
	}
	conn, err := srv.SimulateScan(embedURL, "+31612345678")
	if err != nil {
		t.Fatal(err)
	}

	det, err := c.GetWorkspace(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if det.Seats.Total != 3 || det.Seats.Used != 3 || len(det.Users) != 3 || len(det.WhatsAppAccounts) != 1 || len(det.QRLinks) != 0 {
		t.Fatalf("details %+v", det)
	}
	if a := det.WhatsAppAccounts[0]; a.ID != conn.WhatsAppAccountID || a.UserID != agent || !a.Connected || a.PhoneNumberE164 != "+31612345678" || a.ConnectedAt.IsZero() {
		t.Fatalf("account %+v", a)
	}
	if det.MessagesQuota.Total != tlpartnertest.DefaultMessagingQuota || det.MessagesQuota.PeriodStart.IsZero() {
		t.Fatalf("quota %+v", det.MessagesQuota)
	}

	up, err := c.UpdateWorkspace(ctx, ws.ID, tlpartner.UpdateWorkspaceParams{DisplayName: tlpartner.Ptr("Acme Corporation"), SeatsPurchased: tlpartner.Ptr(2)})
	if err != nil {
		t.Fatal(err)
	}
	if up.DisplayName != "Acme Corporation" || up.ID != "acme-corp" || len(up.SuspendedMembers) != 1 || up.SuspendedMembers[0].UserID != users.Users[1].ID {
		t.Fatalf("update %+v", up)
	}

	tok, err := c.GetPublicAPIToken(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	rot, err := c.RotatePublicAPIToken(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rot.Token == tok.Token || rot.RotatedAt.IsZero() || srv.PublicAPITokenValid(ws.ID, tok.Token) || !srv.PublicAPITokenValid(ws.ID, rot.Token) {
		t.Fatalf("rotation %v -> %v", tok, rot)
	}

	dc, err := c.DisconnectWhatsApp(ctx, ws.ID, agent)
	if err != nil {
		t.Fatal(err)
	}
	if !dc.Disconnected || dc.WhatsAppAccountID != conn.WhatsAppAccountID || dc.PhoneNumber != "+31612345678" || dc.DisconnectedAt.IsZero() {
		t.Fatalf("disconnect %+v", dc)
	}
	dc, err = c.DisconnectWhatsApp(ctx, ws.ID, agent)
	if err != nil || dc.Disconnected {
		t.Fatalf("second disconnect %+v %v", dc, err)
	}

	// The escape hatch reaches the same server.
	var raw map[string]any
	if _, err := c.Do(ctx, http.MethodGet, "/workspaces/"+ws.ID, nil, &raw); err != nil || raw["workspace_id"] != ws.ID {
		t.Fatalf("Do: %v %v", raw, err)
	}
}

func TestSDKTypedErrors(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{PartnerID: "acme", Partners: []tlpartnertest.Partner{{ID: "globex"}}})
	c := sdk(t, srv)
	ctx := ctxT(t)
	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "errs", SeatsPurchased: 2})
	if err != nil {
		t.Fatal(err)
	}
	globex, err := srv.PartnerClient("globex")
	if err != nil {
		t.Fatal(err)
	}
	bad, err := tlpartner.NewClient("acme", "wrong-secret", tlpartner.WithBaseURL(srv.PartnerAPIURL()), tlpartner.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	skewed := sdk(t, srv, tlpartner.WithClock(func() time.Time { return time.Now().Add(-time.Hour) }))

	check := func(name string, err error, target error, code string) {
		t.Helper()
		if !errors.Is(err, target) {
			t.Errorf("%s: %v is not %v", name, err, target)
			return
		}
		var ae *tlpartner.APIError
		if code != "" && (!errors.As(err, &ae) || ae.Code != code || ae.RequestID == "") {
			t.Errorf("%s: %#v, want code %s with a request id", name, ae, code)
		}
	}
	_, err = c.GetWorkspace(ctx, "missing")
	check("missing workspace", err, tlpartner.ErrNotFound, "workspace_not_found")
	_, err = c.CreateUsers(ctx, ws.ID, 2)
	check("seats", err, tlpartner.ErrSeatsFull, "seats_full")
	_, err = c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "ERRS", SeatsPurchased: 1})
	check("clash", err, tlpartner.ErrConflict, "workspace_creation_failed")
	_, err = bad.GetWorkspace(ctx, ws.ID)
	check("bad secret", err, tlpartner.ErrUnauthorized, "invalid_signature")
	_, err = skewed.GetWorkspace(ctx, ws.ID)
	check("skewed clock", err, tlpartner.ErrUnauthorized, "timestamp_out_of_range")
	_, err = globex.GetWorkspace(ctx, ws.ID)
	check("foreign workspace", err, tlpartner.ErrUnauthorized, "workspace_not_owned_by_partner")
	_, err = c.GenerateQR(ctx, ws.ID, 42, tlpartner.GenerateQRParams{})
	check("unknown user", err, tlpartner.ErrNotFound, "user_not_found")
	_, err = c.DisconnectWhatsApp(ctx, ws.ID, 42)
	check("unknown user disconnect", err, tlpartner.ErrNotFound, "user_not_found")
	_, err = c.Do(ctx, http.MethodDelete, "/workspaces/"+ws.ID, nil, nil)
	check("method", err, tlpartner.ErrInvalidRequest, "method_not_allowed")
	_, err = c.Do(ctx, http.MethodPost, "/workspaces", map[string]any{"display_name": "x", "seats_purchased": 5000}, nil)
	check("out of range", err, tlpartner.ErrInvalidRequest, "invalid_request")
	must(t, srv.SetPartnerActive("acme", false))
	_, err = c.GetWorkspace(ctx, ws.ID)
	check("inactive", err, tlpartner.ErrUnauthorized, "partner_not_active")
	must(t, srv.SetPartnerActive("acme", true))

	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault429, Count: 10})
	_, err = c.GetWorkspace(ctx, ws.ID)
	check("rate limited", err, tlpartner.ErrRateLimited, "")
	srv.ClearFaults()
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Count: 10})
	_, err = c.GetWorkspace(ctx, ws.ID)
	check("server", err, tlpartner.ErrServer, "service_unavailable")
	srv.ClearFaults()
}

func TestSDKRetriesUnderStorms(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	fast := tlpartner.RetryPolicy{MaxRetries: 4, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, MaxRetryAfter: 2 * time.Millisecond}
	c := sdk(t, srv, tlpartner.WithRetryPolicy(fast))
	ctx := ctxT(t)

	// A 429 storm is retried even for CreateWorkspace: the request was never processed.
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault429, Count: 4})
	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "storm", SeatsPurchased: 5})
	if err != nil {
		t.Fatalf("create through a 429 storm: %v", err)
	}
	if n := len(srv.Requests()); n != 5 {
		t.Fatalf("%d requests, want 5", n)
	}
	// A 503 storm on a safe call is retried.
	srv.ResetRequests()
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Count: 3})
	if _, err := c.GetWorkspace(ctx, ws.ID); err != nil {
		t.Fatalf("get through a 503 storm: %v", err)
	}
	// Every attempt minted a fresh, valid token (no 401 in the log).
	for _, r := range srv.Requests() {
		if r.StatusCode == 401 {
			t.Fatalf("retry was rejected: %+v", r)
		}
	}
	users, err := c.CreateUsers(ctx, ws.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Mixed storm on GenerateQR (safe to repeat), including a dropped connection.
	srv.InjectFaults(
		tlpartnertest.Fault{Kind: tlpartnertest.Fault503},
		tlpartnertest.Fault{Kind: tlpartnertest.FaultDrop},
		tlpartnertest.Fault{Kind: tlpartnertest.Fault429},
	)
	qr, err := c.GenerateQR(ctx, ws.ID, users.Users[0].ID, tlpartner.GenerateQRParams{})
	if err != nil {
		t.Fatalf("QR through a mixed storm: %v", err)
	}
	if srv.PendingFaults() != 0 {
		t.Fatalf("%d faults left", srv.PendingFaults())
	}
	if st, _ := srv.QRLinkStatus(qr.URL); st != tlpartnertest.QRLinkActive {
		t.Fatalf("returned link is %s", st)
	}
	// More failures than retries: the error surfaces.
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Count: 5})
	if _, err := c.GetWorkspace(ctx, ws.ID); !errors.Is(err, tlpartner.ErrServer) {
		t.Fatalf("after 5 failures: %v", err)
	}
	// Non-idempotent calls are not retried after a 503 or a dropped connection.
	srv.ClearFaults()
	srv.ResetRequests()
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503})
	if _, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "once", SeatsPurchased: 1}); !errors.Is(err, tlpartner.ErrServer) {
		t.Fatalf("create after 503: %v", err)
	}
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultDrop})
	if _, err := c.CreateUsers(ctx, ws.ID, 1); err == nil {
		t.Fatal("create users survived a dropped connection")
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("creates were sent %d times, want 2", n)
	}
	if snap, _ := srv.Workspace(ws.ID); len(snap.Users) != 2 {
		t.Fatalf("%d users after a dropped create", len(snap.Users))
	}
}

func TestSDKConcurrentClients(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := sdk(t, srv)
	ctx := ctxT(t)
	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "busy", SeatsPurchased: 60})
	if err != nil {
		t.Fatal(err)
	}
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault429, Count: 30})
	const workers = 100
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	var mu sync.Mutex
	created := 0
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 4 {
			case 0:
				// Only 59 free seats: some of these must fail with seats_full.
				_, err := c.CreateUsers(ctx, ws.ID, 2)
				if err == nil {
					mu.Lock()
					created += 2
					mu.Unlock()
				} else if !errors.Is(err, tlpartner.ErrSeatsFull) && !errors.Is(err, tlpartner.ErrRateLimited) {
					errs <- err
				}
			case 1:
				if _, err := c.GetWorkspace(ctx, ws.ID); err != nil && !errors.Is(err, tlpartner.ErrRateLimited) {
					errs <- err
				}
			case 2:
				if _, err := c.GetPublicAPIToken(ctx, ws.ID); err != nil && !errors.Is(err, tlpartner.ErrRateLimited) {
					errs <- err
				}
			case 3:
				name := fmt.Sprintf("busy-%d", i)
				if _, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: name, SeatsPurchased: 1}); err != nil && !errors.Is(err, tlpartner.ErrRateLimited) {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	det, err := c.GetWorkspace(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if det.Seats.Used != 1+created || det.Seats.Used > 60 {
		t.Fatalf("seats used %d, created %d", det.Seats.Used, created)
	}
	seen := map[int64]bool{}
	for _, u := range det.Users {
		if seen[u.ID] {
			t.Fatalf("duplicate user id %d", u.ID)
		}
		seen[u.ID] = true
	}
}

// TestSDKWebhooksEndToEnd receives the fake's deliveries with a
// webhooks.Handler, as a partner service would.
func TestSDKWebhooksEndToEnd(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{PartnerID: "acme"})
	h, err := webhooks.NewHandler(srv.PartnerID(), srv.Secret())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *webhooks.WhatsAppAccountConnected, 1)
	h.OnWhatsAppAccountConnected(func(_ context.Context, e *webhooks.WhatsAppAccountConnected) error {
		got <- e
		return nil
	})
	rotated := make(chan *webhooks.APITokenRotated, 1)
	h.OnAPITokenRotated(func(_ context.Context, e *webhooks.APITokenRotated) error {
		rotated <- e
		return nil
	})
	hooks := httptest.NewServer(h)
	defer hooks.Close()
	srv.SetWebhookURL(hooks.URL)

	c := sdk(t, srv)
	ctx := ctxT(t)
	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "hooked", SeatsPurchased: 4})
	if err != nil {
		t.Fatal(err)
	}
	us, err := c.CreateUsers(ctx, ws.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	qr, err := c.GenerateQR(ctx, ws.ID, us.Users[0].ID, tlpartner.GenerateQRParams{})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := srv.SimulateScan(qr.URL, "+14155550123")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := srv.QRLinkStatus(qr.URL); err != nil || st != tlpartnertest.QRLinkUsed {
		t.Fatalf("scanned link is %q, %v", st, err)
	}
	select {
	case e := <-got:
		if e.WorkspaceID != ws.ID || e.UserID != conn.UserID || e.WhatsAppAccountID != conn.WhatsAppAccountID || e.PhoneNumberE164 != "+14155550123" || e.PartnerID != "acme" {
			t.Fatalf("event %+v", e)
		}
	case <-ctx.Done():
		t.Fatal("no whatsapp_account:connected delivery")
	}
	if _, err := c.RotatePublicAPIToken(ctx, ws.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-rotated:
		if e.WorkspaceID != ws.ID || e.RotatedAt.IsZero() {
			t.Fatalf("rotated %+v", e)
		}
	case <-ctx.Done():
		t.Fatal("no api_token:rotated delivery")
	}
	ds, err := srv.WaitForDeliveries(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if !d.OK() {
			t.Fatalf("delivery rejected by the webhooks handler: %+v", d)
		}
	}

	// A receiver with the wrong secret rejects the deliveries, and the fake records that.
	wrong, err := webhooks.NewHandler(srv.PartnerID(), "not-the-secret")
	if err != nil {
		t.Fatal(err)
	}
	bad := httptest.NewServer(wrong)
	defer bad.Close()
	srv.SetWebhookURL(bad.URL)
	if _, err := c.RotatePublicAPIToken(ctx, ws.ID); err != nil {
		t.Fatal(err)
	}
	ds, err = srv.WaitForDeliveries(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if last := ds[2]; last.OK() || last.StatusCode != http.StatusUnauthorized {
		t.Fatalf("delivery to a wrong-secret receiver %+v", last)
	}
}

// TestConcurrentScansAndRelinks races test controls against API calls on the
// same users and checks the invariants afterwards.
func TestConcurrentScansAndRelinks(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{WebhookURL: "http://127.0.0.1:1/unreachable", WebhookAttempts: 1})
	c := sdk(t, srv)
	ctx := ctxT(t)
	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "race", SeatsPurchased: 5})
	if err != nil {
		t.Fatal(err)
	}
	users, err := c.CreateUsers(ctx, ws.ID, 4)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := users.Users[i%4].ID
			qr, err := c.GenerateQR(ctx, ws.ID, u, tlpartner.GenerateQRParams{})
			if err != nil {
				t.Error(err)
				return
			}
			// Another goroutine may have replaced the link already: both outcomes are fine.
			_, err = srv.SimulateScan(qr.URL, fmt.Sprintf("+3161234%04d", i))
			if err != nil && !errors.Is(err, tlpartnertest.ErrLinkNotActive) {
				t.Error(err)
			}
			if i%5 == 0 {
				if _, err := c.DisconnectWhatsApp(ctx, ws.ID, u); err != nil {
					t.Error(err)
				}
			}
			_ = srv.SetUsage(ws.ID, tlpartnertest.QuotaMessaging, i*300)
			_, _ = c.GetWorkspace(ctx, ws.ID)
		}()
	}
	wg.Wait()
	det, err := c.GetWorkspace(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	connected := map[int64]int{}
	for _, a := range det.WhatsAppAccounts {
		if a.Connected {
			connected[a.UserID]++
		}
	}
	for u, n := range connected {
		if n > 1 {
			t.Fatalf("user %d has %d connected accounts", u, n)
		}
	}
	active := map[int64]int{}
	for _, l := range det.QRLinks {
		active[l.UserID]++
	}
	for u, n := range active {
		if n > 1 {
			t.Fatalf("user %d has %d active links", u, n)
		}
	}
}
