package tlpartnertest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// receiver is a webhook endpoint built on the webhooks package.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	events []webhooks.Event
}

func newReceiver(t *testing.T, partnerID, secret string) *receiver {
	t.Helper()
	h, err := webhooks.NewHandler(partnerID, secret)
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{}
	h.OnEvent(func(_ context.Context, e webhooks.Event) error {
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
		return nil
	})
	r.Server = httptest.NewServer(h)
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []webhooks.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhooks.Event(nil), r.events...)
}

func waitN(t *testing.T, srv *tlpartnertest.Server, n int) []tlpartnertest.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ds, err := srv.WaitForDeliveries(ctx, n)
	if err != nil {
		t.Fatalf("%v (got %d)", err, len(ds))
	}
	return ds
}

func keys(body []byte) []string {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestWebhooksEveryEvent(t *testing.T) {
	now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	srv := newFake(t, tlpartnertest.Options{PartnerID: "acme", Secret: "acme-secret", Now: func() time.Time { return now }})
	rcv := newReceiver(t, "acme", "acme-secret")
	srv.SetWebhookURL(rcv.URL + "/hooks")
	c := rawFor(t, srv)

	ws := c.mkWorkspace("hooks", 3)
	uid := c.mkUsers(ws, 2)[0] // 3 of 3 seats: seats_full
	link := c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, uid), nil).str("qr_link")
	conn, err := srv.SimulateScan(link, "+31612345678")
	if err != nil {
		t.Fatal(err)
	}
	c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/whatsapp/disconnect", ws, uid), nil)
	c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/whatsapp/disconnect", ws, uid), nil) // no-op: no event
	c.do("POST", "/workspaces/"+ws+"/api-token", nil)
	must(t, srv.SetQuota(ws, tlpartnertest.QuotaMessaging, 1000))
	must(t, srv.SetUsage(ws, tlpartnertest.QuotaMessaging, 899)) // below 90 %: nothing
	must(t, srv.SetUsage(ws, tlpartnertest.QuotaMessaging, 900)) // near full
	must(t, srv.SetUsage(ws, tlpartnertest.QuotaMessaging, 950)) // already fired
	must(t, srv.SetUsage(ws, tlpartnertest.QuotaMessaging, 1200))
	must(t, srv.SetUsage(ws, tlpartnertest.QuotaMessaging, 1300)) // already fired
	must(t, srv.SetUsage(ws, tlpartnertest.QuotaAPICalls, tlpartnertest.DefaultAPICallsQuota))
	must(t, srv.SetUsage(ws, tlpartnertest.QuotaTransactions, tlpartnertest.DefaultTransactionsQuota+5))
	link2 := c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, uid), nil).str("qr_link")
	if _, err := srv.SimulateScan(link2, "+31612345679"); err != nil {
		t.Fatal(err)
	}
	must(t, srv.SimulatePhoneDisconnect(ws, uid, "(logged out)"))

	want := []string{
		"workspace:seats_full",
		"whatsapp_account:connected",
		"whatsapp_account:disconnected",
		"api_token:rotated",
		"workspace:quota_near_full:messaging",
		"workspace:quota_full:messaging",
		"workspace:quota_full:api_calls",
		"workspace:quota_full:transactions",
		"whatsapp_account:connected",
		"whatsapp_account:disconnected",
	}
	ds := waitN(t, srv, len(want))
	var gotTypes []string
	for _, d := range ds {
		gotTypes = append(gotTypes, string(d.EventType))
		if !d.OK() || d.Attempts != 1 || d.StatusCode != 200 || d.PartnerID != "acme" || d.WorkspaceID != ws || d.URL != rcv.URL+"/hooks" {
			t.Fatalf("delivery %+v", d)
		}
	}
	if !reflect.DeepEqual(gotTypes, want) {
		t.Fatalf("events\n got %v\nwant %v", gotTypes, want)
	}
	// Bodies: flat JSON with the spec's field names.
	wantKeys := map[string][]string{
		"workspace:seats_full":                {"event_type", "partner_id", "seats_available", "seats_purchased", "triggered_at", "workspace_id"},
		"whatsapp_account:connected":          {"event_type", "partner_id", "phone_number_e164", "triggered_at", "user_id", "whatsapp_account_id", "workspace_id"},
		"whatsapp_account:disconnected":       {"disconnected_at", "event_type", "partner_id", "phone_number_e164", "reason", "triggered_at", "user_id", "whatsapp_account_id", "workspace_id"},
		"api_token:rotated":                   {"event_type", "partner_id", "rotated_at", "triggered_at", "workspace_id"},
		"workspace:quota_near_full:messaging": {"current_period_end", "current_period_start", "event_type", "messaging_quota_total", "messaging_quota_used", "partner_id", "triggered_at", "utilization_pct", "workspace_id"},
		"workspace:quota_full:messaging":      {"current_period_end", "current_period_start", "event_type", "messaging_quota_total", "messaging_quota_used", "partner_id", "triggered_at", "utilization_pct", "workspace_id"},
		"workspace:quota_full:api_calls":      {"api_calls_limit", "api_calls_used", "current_period_end", "current_period_start", "event_type", "partner_id", "triggered_at", "workspace_id"},
		"workspace:quota_full:transactions":   {"current_period_end", "current_period_start", "event_type", "partner_id", "triggered_at", "workspace_id"},
	}
	for _, d := range ds {
		if got := keys(d.Body); !reflect.DeepEqual(got, wantKeys[string(d.EventType)]) {
			t.Errorf("%s body keys %v, want %v", d.EventType, got, wantKeys[string(d.EventType)])
		}
	}

	// The receiver verified every signature and decoded typed events.
	evs := rcv.got()
	if len(evs) != len(want) {
		t.Fatalf("receiver got %d events", len(evs))
	}
	sf := evs[0].(*webhooks.SeatsFull)
	if sf.SeatsPurchased != 3 || sf.SeatsAvailable != 0 || sf.WorkspaceID != ws || sf.PartnerID != "acme" || !sf.TriggeredAt.Equal(now) {
		t.Fatalf("seats_full %+v", sf)
	}
	ce := evs[1].(*webhooks.WhatsAppAccountConnected)
	if ce.UserID != uid || ce.WhatsAppAccountID != conn.WhatsAppAccountID || ce.PhoneNumberE164 != "+31612345678" {
		t.Fatalf("connected %+v", ce)
	}
	de := evs[2].(*webhooks.WhatsAppAccountDisconnected)
	if de.UserID != uid || de.WhatsAppAccountID != conn.WhatsAppAccountID || de.Reason == "" {
		t.Fatalf("disconnected %+v", de)
	}
	nf := evs[4].(*webhooks.MessagingQuotaNearFull)
	if nf.MessagingQuotaTotal != 1000 || nf.MessagingQuotaUsed != 900 || nf.UtilizationPct == nil || *nf.UtilizationPct != 90 ||
		!nf.CurrentPeriodStart.Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("near full %+v", nf)
	}
	mf := evs[5].(*webhooks.MessagingQuotaFull)
	if mf.MessagingQuotaUsed != 1200 || *mf.UtilizationPct != 100 {
		t.Fatalf("full %+v", mf)
	}
	af := evs[6].(*webhooks.APICallsQuotaFull)
	if af.APICallsLimit != tlpartnertest.DefaultAPICallsQuota || af.APICallsUsed != tlpartnertest.DefaultAPICallsQuota {
		t.Fatalf("api calls %+v", af)
	}
	pd := evs[9].(*webhooks.WhatsAppAccountDisconnected)
	if pd.Reason != "(logged out)" || pd.PhoneNumberE164 != "+31612345679" {
		t.Fatalf("phone disconnect %+v", pd)
	}
	// Each delivery's dedup key differs or names the same event.
	seen := map[string]bool{}
	for _, e := range evs {
		if seen[e.DedupKey()] {
			t.Fatalf("duplicate dedup key %s", e.DedupKey())
		}
		seen[e.DedupKey()] = true
	}
}

func TestWebhookQuotaRearmsNextPeriod(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{Now: func() time.Time { return time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC) }})
	rcv := newReceiver(t, srv.PartnerID(), srv.Secret())
	srv.SetWebhookURL(rcv.URL)
	ws := rawFor(t, srv).mkWorkspace("rearm", 2)
	must(t, srv.SetUsage(ws, tlpartnertest.QuotaAPICalls, tlpartnertest.DefaultAPICallsQuota))
	must(t, srv.SetUsage(ws, tlpartnertest.QuotaAPICalls, tlpartnertest.DefaultAPICallsQuota+1))
	srv.Advance(24 * time.Hour) // February
	must(t, srv.SetUsage(ws, tlpartnertest.QuotaAPICalls, tlpartnertest.DefaultAPICallsQuota))
	ds := waitN(t, srv, 2)
	if ds[0].EventType != "workspace:quota_full:api_calls" || ds[1].EventType != "workspace:quota_full:api_calls" {
		t.Fatalf("deliveries %v", ds)
	}
	var b struct {
		Start string `json:"current_period_start"`
	}
	_ = json.Unmarshal(ds[1].Body, &b)
	if b.Start != "2026-02-01T00:00:00.000Z" {
		t.Fatalf("second period %s", ds[1].Body)
	}
}

func TestWebhookRetries(t *testing.T) {
	var calls atomic.Int32
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer flaky.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusBadGateway)
	}))
	defer down.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	srv := newFake(t, tlpartnertest.Options{WebhookURL: flaky.URL})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("retry", 5)
	c.do("POST", "/workspaces/"+ws+"/api-token", nil)
	ds := waitN(t, srv, 1)
	if !ds[0].OK() || ds[0].Attempts != 3 || ds[0].StatusCode != 200 {
		t.Fatalf("flaky delivery %+v", ds[0])
	}

	srv.SetWebhookURL(down.URL)
	c.do("POST", "/workspaces/"+ws+"/api-token", nil)
	ds = waitN(t, srv, 2)
	if ds[1].OK() || ds[1].Attempts != 3 || ds[1].StatusCode != 502 || ds[1].Err == nil {
		t.Fatalf("failing delivery %+v", ds[1])
	}

	srv.SetWebhookURL(closedURL)
	c.do("POST", "/workspaces/"+ws+"/api-token", nil)
	ds = waitN(t, srv, 3)
	if ds[2].OK() || ds[2].Attempts != 3 || ds[2].StatusCode != 0 {
		t.Fatalf("unreachable delivery %+v", ds[2])
	}

	srv.SetWebhookURL("")
	c.do("POST", "/workspaces/"+ws+"/api-token", nil)
	if n := len(srv.Deliveries()); n != 3 {
		t.Fatalf("delivered without a URL: %d", n)
	}
}

func TestWebhooksPerPartner(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{PartnerID: "a", Partners: []tlpartnertest.Partner{{ID: "b"}}})
	ra := newReceiver(t, "a", srv.Secret())
	rb := newReceiver(t, "b", srv.PartnerSecret("b"))
	srv.SetWebhookURL(ra.URL)
	must(t, srv.SetPartnerWebhookURL("b", rb.URL))
	a := rawFor(t, srv)
	b := &raw{t: t, srv: srv, pid: "b", secret: srv.PartnerSecret("b")}
	wa := a.mkWorkspace("wa", 1) // seats_full for a
	wb := b.mkWorkspace("wb", 1) // seats_full for b
	ds := waitN(t, srv, 2)
	if ds[0].PartnerID != "a" || ds[0].WorkspaceID != wa || ds[1].PartnerID != "b" || ds[1].WorkspaceID != wb || !ds[0].OK() || !ds[1].OK() {
		t.Fatalf("deliveries %+v", ds)
	}
	if len(ra.got()) != 1 || len(rb.got()) != 1 {
		t.Fatal("each receiver must verify exactly its own partner's event")
	}
	if err := srv.SetPartnerWebhookURL("zzz", "http://127.0.0.1:1"); err == nil {
		t.Fatal("unknown partner accepted")
	}
}

func TestWaitForDeliveriesContext(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := srv.WaitForDeliveries(ctx, 1); err == nil {
		t.Fatal("no error for a cancelled context")
	}
	if ds, err := srv.WaitForDeliveries(context.Background(), 0); err != nil || len(ds) != 0 {
		t.Fatalf("n=0: %v %v", ds, err)
	}
}

func TestCloseAbortsSlowDelivery(t *testing.T) {
	slow := newSlowReceiver(t)
	srv := tlpartnertest.NewServer(tlpartnertest.Options{WebhookURL: slow.URL})
	c := rawFor(t, srv)
	c.mkWorkspace("slow", 1)
	done := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := srv.WaitForDeliveries(ctx, 1)
		if err == nil {
			t.Error("WaitForDeliveries succeeded although nothing was delivered")
		}
		close(done)
	}()
	srv.Close()
	<-done
	srv.Close() // idempotent
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSeatsFullOncePerPeriod(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{Now: func() time.Time { return time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC) }})
	rcv := newReceiver(t, srv.PartnerID(), srv.Secret())
	srv.SetWebhookURL(rcv.URL)
	c := rawFor(t, srv)
	ws := c.mkWorkspace("seats", 3)
	c.mkUsers(ws, 1)                                                                             // 2 of 3: nothing
	expectStatus(t, c.do("PATCH", "/workspaces/"+ws, map[string]any{"seats_purchased": 2}), 200) // 2 of 2: fires
	expectStatus(t, c.do("PATCH", "/workspaces/"+ws, map[string]any{"seats_purchased": 3}), 200)
	c.mkUsers(ws, 1) // full again, same period: no second event
	srv.Advance(24 * time.Hour)
	expectStatus(t, c.do("PATCH", "/workspaces/"+ws, map[string]any{"display_name": "July"}), 200) // still full, new period: fires
	c.do("POST", "/workspaces/"+ws+"/api-token", nil)                                              // marker event
	ds := waitN(t, srv, 3)
	var types []string
	for _, d := range ds {
		types = append(types, string(d.EventType))
	}
	want := []string{"workspace:seats_full", "workspace:seats_full", "api_token:rotated"}
	if !reflect.DeepEqual(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	var b struct {
		Purchased int `json:"seats_purchased"`
		Available int `json:"seats_available"`
	}
	must(t, json.Unmarshal(ds[0].Body, &b))
	if b.Purchased != 2 || b.Available != 0 {
		t.Fatalf("first seats_full %s", ds[0].Body)
	}
}

// TestWebhookSignatureHeaders checks a delivery's raw headers and token:
// HS256 with exactly partner_id, nbf and exp, 3 minutes either side of the
// real clock, even when the fake's domain clock is years away.
func TestWebhookSignatureHeaders(t *testing.T) {
	type seen struct {
		header http.Header
		body   []byte
	}
	got := make(chan seen, 1)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case got <- seen{r.Header.Clone(), b}:
		default:
		}
	}))
	defer rcv.Close()
	srv := newFake(t, tlpartnertest.Options{PartnerID: "sig", Secret: "sig-secret", WebhookURL: rcv.URL,
		Now: func() time.Time { return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) }})
	before := time.Now()
	rawFor(t, srv).mkWorkspace("sig", 1) // seats_full
	waitN(t, srv, 1)
	after := time.Now()
	d := <-got
	if d.header.Get("X-TL-Partner-Id") != "sig" || d.header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", d.header)
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(d.header.Get("X-TL-Signature"), claims, func(*jwt.Token) (any, error) {
		return []byte("sig-secret"), nil
	}, jwt.WithValidMethods([]string{"HS256"}))
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	if len(claims) != 3 || claims["partner_id"] != "sig" {
		t.Fatalf("claims %v", claims)
	}
	nbf, _ := claims.GetNotBefore()
	exp, _ := claims.GetExpirationTime()
	lo, hi := before.Add(-3*time.Minute).Unix()-1, after.Add(-3*time.Minute).Unix()
	if n := nbf.Unix(); n < lo || n > hi {
		t.Fatalf("nbf %v not 3 minutes before the real clock", nbf)
	}
	if e := exp.Sub(nbf.Time); e != 6*time.Minute {
		t.Fatalf("exp - nbf = %v", e)
	}
	if !strings.Contains(string(d.body), `"event_type":"workspace:seats_full"`) {
		t.Fatalf("body %s", d.body)
	}
}
