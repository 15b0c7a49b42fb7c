package tlpartnertest_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func TestCreateWorkspace(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{PartnerID: "acme"})
	c := rawFor(t, srv)

	a := c.do("POST", "/workspaces", map[string]any{"display_name": "Acme Shop #1", "seats_purchased": 3})
	expectStatus(t, a, 201)
	if v := a.header.Get("X-TL-API-Version"); v != "v1" {
		t.Fatalf("X-TL-API-Version = %q", v)
	}
	if a.str("workspace_id") != "acme-shop-1" || a.str("display_name") != "Acme Shop #1" {
		t.Fatalf("body %s", a.raw)
	}
	if a.num("seats_total") != 3 || a.num("seats_available") != 2 || a.num("plan_id") != 1 {
		t.Fatalf("seats in %s", a.raw)
	}
	owner := a.num("owner_user_id")
	if owner == 0 || a.num("group_id") == 0 || a.str("created_at") == "" || a.str("updated_at") == "" {
		t.Fatalf("missing fields in %s", a.raw)
	}
	if _, ok := a.body["suspended_members"]; ok {
		t.Fatalf("create answer has suspended_members: %s", a.raw)
	}
	if _, err := time.Parse(time.RFC3339, a.str("created_at")); err != nil {
		t.Fatalf("created_at: %v", err)
	}

	d := c.do("GET", "/workspaces/acme-shop-1", nil)
	expectStatus(t, d, 200)
	users := d.body["users"].([]any)
	if len(users) != 1 {
		t.Fatalf("users %v", users)
	}
	u := users[0].(map[string]any)
	wantEmail := fmt.Sprintf("%d-acme-shop-1@partners.timelines.ai", owner)
	if int64(u["user_id"].(float64)) != owner || u["role"] != "owner" || u["email"] != wantEmail || u["status"] != "activated" {
		t.Fatalf("owner %v", u)
	}
	seats := d.body["seats"].(map[string]any)
	if seats["total"].(float64) != 3 || seats["used"].(float64) != 1 {
		t.Fatalf("seats %v", seats)
	}

	// Same derived id -> 409, even from a differently written name.
	expectError(t, c.do("POST", "/workspaces", map[string]any{"display_name": "ACME shop 1!", "seats_purchased": 1}), 409, "workspace_creation_failed")
	// Default seat count is 1.
	a = c.do("POST", "/workspaces", map[string]any{"display_name": "solo"})
	expectStatus(t, a, 201)
	if a.num("seats_total") != 1 || a.num("seats_available") != 0 {
		t.Fatalf("default seats: %s", a.raw)
	}
}

func TestDeriveWorkspaceID(t *testing.T) {
	cases := map[string]string{
		"my-first-workspace": "my-first-workspace",
		"My First Workspace": "my-first-workspace",
		"  --Hello__World--": "hello-world",
		"my-first-workspace (must contain only letters, digits and dash)": "my-first-workspace-must-contai",
		"Café Zürich":                       "caf-z-rich",
		"!!!":                               "",
		"abcdefghijklmnopqrstuvwxyz01234-5": "abcdefghijklmnopqrstuvwxyz0123",
		"abcdefghijklmnopqrstuvwxyz012 4":   "abcdefghijklmnopqrstuvwxyz012",
	}
	valid := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	for in, want := range cases {
		got := tlpartnertest.DeriveWorkspaceID(in)
		if got != want {
			t.Errorf("DeriveWorkspaceID(%q) = %q, want %q", in, got, want)
		}
		if got != "" && (len(got) > 30 || !valid.MatchString(got)) {
			t.Errorf("DeriveWorkspaceID(%q) = %q breaks the rule", in, got)
		}
	}
}

func TestValidation(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("valid", 5)
	uid := c.mkUsers(ws, 1)[0]
	long := strings.Repeat("x", 101)
	cases := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"create malformed JSON", "POST", "/workspaces", `{"display_name":`, 400},
		{"create no body", "POST", "/workspaces", nil, 400},
		{"create wrong type", "POST", "/workspaces", `{"display_name": 7}`, 400},
		{"create missing name", "POST", "/workspaces", map[string]any{"seats_purchased": 2}, 400},
		{"create empty name", "POST", "/workspaces", map[string]any{"display_name": ""}, 422},
		{"create long name", "POST", "/workspaces", map[string]any{"display_name": long}, 422},
		{"create unusable name", "POST", "/workspaces", map[string]any{"display_name": "???"}, 422},
		{"create zero seats", "POST", "/workspaces", map[string]any{"display_name": "z", "seats_purchased": 0}, 422},
		{"create 1000 seats", "POST", "/workspaces", map[string]any{"display_name": "z", "seats_purchased": 1000}, 422},
		{"create fractional seats", "POST", "/workspaces", `{"display_name":"z","seats_purchased":1.5}`, 400},
		{"patch seats 0", "PATCH", "/workspaces/" + ws, map[string]any{"seats_purchased": 0}, 422},
		{"patch long name", "PATCH", "/workspaces/" + ws, map[string]any{"display_name": long}, 422},
		{"patch malformed", "PATCH", "/workspaces/" + ws, `[1,2`, 400},
		{"users count 0", "POST", "/workspaces/" + ws + "/users", map[string]any{"count": 0}, 422},
		{"users count 100", "POST", "/workspaces/" + ws + "/users", map[string]any{"count": 100}, 422},
		{"users no count", "POST", "/workspaces/" + ws + "/users", map[string]any{}, 400},
		{"users string count", "POST", "/workspaces/" + ws + "/users", `{"count":"3"}`, 400},
		{"qr 0 hours", "POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, uid), map[string]any{"expires_in_hours": 0}, 422},
		{"qr 169 hours", "POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, uid), map[string]any{"expires_in_hours": 169}, 422},
		{"qr malformed", "POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, uid), `{`, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, c.do(tc.method, tc.path, tc.body), tc.status, "invalid_request")
		})
	}
	snap, _ := srv.Workspace(ws)
	if len(snap.Users) != 2 || snap.SeatsPurchased != 5 {
		t.Fatalf("invalid requests changed state: %+v", snap)
	}
}

func TestRoutingErrors(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("routes", 2)
	a := c.do("DELETE", "/workspaces/"+ws, nil)
	expectError(t, a, 405, "method_not_allowed")
	if a.header.Get("Allow") != "GET, PATCH" {
		t.Fatalf("Allow = %q", a.header.Get("Allow"))
	}
	expectError(t, c.do("GET", "/workspaces", nil), 405, "method_not_allowed")
	expectError(t, c.do("PUT", "/workspaces/"+ws+"/api-token", nil), 405, "method_not_allowed")
	expectError(t, c.do("GET", "/workspaces/"+ws+"/users", nil), 405, "method_not_allowed")
	expectError(t, c.do("GET", "/nothing-here", nil), 404, "not_found")
	expectError(t, c.do("GET", "/workspaces/"+ws+"/bogus", nil), 404, "not_found")
	// Unauthenticated requests are rejected before routing.
	expectError(t, c.doWith("DELETE", "/workspaces/"+ws, nil, nil), 401, "missing_header")
}

func TestWorkspaceOwnership(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{PartnerID: "acme", Partners: []tlpartnertest.Partner{{ID: "globex"}}})
	acme := rawFor(t, srv)
	globex := &raw{t: t, srv: srv, pid: "globex", secret: srv.PartnerSecret("globex")}
	ws := globex.mkWorkspace("globex-shop", 3)
	uid := globex.mkUsers(ws, 1)[0]

	for _, tc := range []struct{ method, path string }{
		{"GET", "/workspaces/" + ws},
		{"PATCH", "/workspaces/" + ws},
		{"POST", "/workspaces/" + ws + "/users"},
		{"POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, uid)},
		{"POST", fmt.Sprintf("/workspaces/%s/users/%d/whatsapp/disconnect", ws, uid)},
		{"GET", "/workspaces/" + ws + "/api-token"},
		{"POST", "/workspaces/" + ws + "/api-token"},
	} {
		body := any(nil)
		if tc.path == "/workspaces/"+ws+"/users" {
			body = map[string]any{"count": 1}
		}
		expectError(t, acme.do(tc.method, tc.path, body), 403, "workspace_not_owned_by_partner")
	}
	expectError(t, acme.do("GET", "/workspaces/nope", nil), 404, "workspace_not_found")
	expectError(t, acme.do("POST", "/workspaces/nope/users", map[string]any{"count": 1}), 404, "workspace_not_found")
	// Workspace ids are global: acme cannot take globex's name.
	expectError(t, acme.do("POST", "/workspaces", map[string]any{"display_name": "Globex Shop"}), 409, "workspace_creation_failed")

	if err := srv.SetBillingManaged(ws, true); err != nil {
		t.Fatal(err)
	}
	expectError(t, globex.do("GET", "/workspaces/"+ws, nil), 403, "workspace_billing_managed")
	if err := srv.SetBillingManaged(ws, false); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, globex.do("GET", "/workspaces/"+ws, nil), 200)
}

func TestCreateUsersAllOrNothing(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("team", 4)
	a := c.do("POST", "/workspaces/"+ws+"/users", map[string]any{"count": 2})
	expectStatus(t, a, 201)
	if a.str("workspace_id") != ws || a.num("seats_total") != 4 || a.num("seats_available") != 1 {
		t.Fatalf("body %s", a.raw)
	}
	for _, x := range a.body["users"].([]any) {
		u := x.(map[string]any)
		id := int64(u["user_id"].(float64))
		if u["role"] != "agent" || u["status"] != "activated" || u["email"] != fmt.Sprintf("%d-%s@partners.timelines.ai", id, ws) || u["created_at"] == "" {
			t.Fatalf("user %v", u)
		}
	}
	expectError(t, c.do("POST", "/workspaces/"+ws+"/users", map[string]any{"count": 2}), 409, "seats_full")
	snap, _ := srv.Workspace(ws)
	if len(snap.Users) != 3 {
		t.Fatalf("all-or-nothing broken: %d users", len(snap.Users))
	}
	c.mkUsers(ws, 1)
	expectError(t, c.do("POST", "/workspaces/"+ws+"/users", map[string]any{"count": 1}), 409, "seats_full")
}

func TestSeatDowngradeSuspends(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("shrink", 5)
	ids := c.mkUsers(ws, 4) // owner + 4 = 5 seats used
	qr := c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, ids[3]), nil)
	conn, err := srv.SimulateScan(qr.str("qr_link"), "+31612345678")
	if err != nil {
		t.Fatal(err)
	}
	// An unused link of another soon-suspended user.
	qr2 := c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, ids[2]), nil)

	a := c.do("PATCH", "/workspaces/"+ws, map[string]any{"seats_purchased": 3, "display_name": "Shrunk"})
	expectStatus(t, a, 200)
	if a.num("seats_total") != 3 || a.num("seats_available") != 0 || a.str("display_name") != "Shrunk" || a.str("workspace_id") != ws {
		t.Fatalf("body %s", a.raw)
	}
	sm := a.body["suspended_members"].([]any)
	if len(sm) != 2 {
		t.Fatalf("suspended %v", sm)
	}
	first := sm[0].(map[string]any)
	if int64(first["user_id"].(float64)) != ids[3] || int64(first["whatsapp_account_id"].(float64)) != conn.WhatsAppAccountID ||
		first["phone_numbers"].([]any)[0] != "+31612345678" {
		t.Fatalf("first suspended %v", first)
	}
	if int64(sm[1].(map[string]any)["user_id"].(float64)) != ids[2] {
		t.Fatalf("second suspended %v", sm[1])
	}
	if st, _ := srv.QRLinkStatus(qr2.str("qr_link")); st != tlpartnertest.QRLinkRevoked {
		t.Fatalf("suspended user's link is %s", st)
	}
	d := c.do("GET", "/workspaces/"+ws, nil)
	for _, x := range d.body["users"].([]any) {
		u := x.(map[string]any)
		id := int64(u["user_id"].(float64))
		want := "activated"
		if id == ids[2] || id == ids[3] {
			want = "suspended"
		}
		if u["status"] != want {
			t.Fatalf("user %d status %v, want %s", id, u["status"], want)
		}
	}
	acct := d.body["whatsapp_accounts"].([]any)[0].(map[string]any)
	if acct["connected"] != false || acct["connection_status"] != "disconnected" {
		t.Fatalf("suspended account %v", acct)
	}
	// Suspended users cannot get a QR link; raising seats does not revive them.
	expectError(t, c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, ids[3]), nil), 409, "user_not_active")
	a = c.do("PATCH", "/workspaces/"+ws, map[string]any{"seats_purchased": 6})
	if a.num("seats_available") != 3 {
		t.Fatalf("after upgrade %s", a.raw)
	}
	// Empty PATCH changes nothing.
	a = c.do("PATCH", "/workspaces/"+ws, map[string]any{})
	expectStatus(t, a, 200)
	if a.num("seats_total") != 6 || a.str("display_name") != "Shrunk" {
		t.Fatalf("empty patch %s", a.raw)
	}
}

func TestQRLinks(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("qr", 3)
	ids := c.mkUsers(ws, 2)
	path := fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, ids[0])

	t0 := srv.Now()
	a := c.do("POST", path, nil) // no body: default 24 h
	expectStatus(t, a, 200)
	if a.header.Get("X-TL-API-Version") != "v1" || a.str("workspace_id") != ws || a.num("user_id") != ids[0] {
		t.Fatalf("body %s", a.raw)
	}
	if a.body["previous_qr_revoked"] != false || a.body["whatsapp_disconnected"] != false {
		t.Fatalf("flags on first link: %s", a.raw)
	}
	link1 := a.str("qr_link")
	if !strings.HasPrefix(link1, srv.URL+"/qr/") {
		t.Fatalf("qr_link %q", link1)
	}
	exp, _ := time.Parse(time.RFC3339, a.str("expires_at"))
	if d := exp.Sub(t0); d < 24*time.Hour-time.Second || d > 24*time.Hour+time.Second {
		t.Fatalf("default expiry %v", d)
	}

	a = c.do("POST", path, map[string]any{"expires_in_hours": 2})
	link2 := a.str("qr_link")
	if link2 == link1 || a.body["previous_qr_revoked"] != true || a.body["whatsapp_disconnected"] != false {
		t.Fatalf("second link %s", a.raw)
	}
	if st, _ := srv.QRLinkStatus(link1); st != tlpartnertest.QRLinkRevoked {
		t.Fatalf("old link %s", st)
	}
	if _, err := srv.SimulateScan(link1, "+4915112345678"); err == nil {
		t.Fatal("revoked link connected")
	}
	d := c.do("GET", "/workspaces/"+ws, nil)
	links := d.body["qr_links"].([]any)
	if len(links) != 1 || links[0].(map[string]any)["qr_link"] != link2 {
		t.Fatalf("qr_links %v", links)
	}

	// Expiry: move the fake clock past 2 h.
	srv.Advance(2*time.Hour + time.Minute)
	if st, _ := srv.QRLinkStatus(link2); st != tlpartnertest.QRLinkExpired {
		t.Fatalf("link after 2h: %s", st)
	}
	if _, err := srv.SimulateScan(link2, "+4915112345678"); err == nil {
		t.Fatal("expired link connected")
	}
	d = c.do("GET", "/workspaces/"+ws, nil)
	if n := len(d.body["qr_links"].([]any)); n != 0 {
		t.Fatalf("expired link still listed (%d)", n)
	}
	// An expired link is not "revoked" by the next one.
	a = c.do("POST", path, map[string]any{"expires_in_hours": 168})
	if a.body["previous_qr_revoked"] != false {
		t.Fatalf("expired link reported revoked: %s", a.raw)
	}
	link3 := a.str("qr_link")
	conn, err := srv.SimulateScan(link3+"?display_mode=embedding", "+4915112345678")
	if err != nil {
		t.Fatal(err)
	}
	if conn.UserID != ids[0] || conn.WorkspaceID != ws || conn.PhoneNumberE164 != "+4915112345678" || conn.WhatsAppAccountID == 0 {
		t.Fatalf("connection %+v", conn)
	}
	// Single use.
	if _, err := srv.SimulateScan(link3, "+4915112345679"); err == nil {
		t.Fatal("used link connected twice")
	}
	d = c.do("GET", "/workspaces/"+ws, nil)
	if n := len(d.body["qr_links"].([]any)); n != 0 {
		t.Fatalf("used link still listed")
	}
	acct := d.body["whatsapp_accounts"].([]any)[0].(map[string]any)
	if acct["connected"] != true || acct["connection_status"] != "connected" || acct["phone_number_e164"] != "+4915112345678" ||
		int64(acct["user_id"].(float64)) != ids[0] || acct["connected_at"] == "" {
		t.Fatalf("account %v", acct)
	}
	// A new link disconnects the connected account.
	a = c.do("POST", path, nil)
	if a.body["whatsapp_disconnected"] != true || a.body["previous_qr_revoked"] != false {
		t.Fatalf("relink %s", a.raw)
	}
	snap, _ := srv.Workspace(ws)
	if snap.Users[1].WhatsAppAccountID != 0 || snap.Users[1].QRLink != a.str("qr_link") {
		t.Fatalf("snapshot %+v", snap.Users[1])
	}

	// Unknown users.
	expectError(t, c.do("POST", fmt.Sprintf("/workspaces/%s/users/99999999/qr", ws), nil), 404, "user_not_found")
	expectError(t, c.do("POST", fmt.Sprintf("/workspaces/%s/users/abc/qr", ws), nil), 404, "user_not_found")
	other := c.mkWorkspace("qr-other", 2)
	oid := c.mkUsers(other, 1)[0]
	expectError(t, c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, oid), nil), 404, "user_not_in_workspace")
}

func TestSimulateScanErrors(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("scan", 3)
	ids := c.mkUsers(ws, 2)
	l1 := c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, ids[0]), nil).str("qr_link")
	l2 := c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, ids[1]), nil).str("qr_link")
	for _, bad := range []string{"31612345678", "+0123456789", "+31 6 1234 5678", "+12345", "+1234567890123456", ""} {
		if _, err := srv.SimulateScan(l1, bad); err == nil {
			t.Errorf("phone %q accepted", bad)
		}
	}
	if _, err := srv.SimulateScan(srv.URL+"/qr/unknown", "+31612345678"); err == nil {
		t.Fatal("unknown link accepted")
	}
	if _, err := srv.SimulateScan(l1, "+31612345678"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.SimulateScan(l2, "+31612345678"); err == nil {
		t.Fatal("same phone connected twice")
	}
}

func TestDisconnectIdempotent(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("dc", 2)
	uid := c.mkUsers(ws, 1)[0]
	path := fmt.Sprintf("/workspaces/%s/users/%d/whatsapp/disconnect", ws, uid)

	a := c.do("POST", path, nil)
	expectStatus(t, a, 200)
	if a.body["disconnected"] != false || a.num("user_id") != uid || a.str("workspace_id") != ws {
		t.Fatalf("no-op disconnect %s", a.raw)
	}
	link := c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, uid), nil).str("qr_link")
	conn, err := srv.SimulateScan(link, "+447700900123")
	if err != nil {
		t.Fatal(err)
	}
	a = c.do("POST", path, nil)
	if a.body["disconnected"] != true || a.num("whatsapp_account_id") != conn.WhatsAppAccountID ||
		a.str("phone_number") != "+447700900123" || a.str("disconnected_at") == "" || a.header.Get("X-TL-API-Version") != "v1" {
		t.Fatalf("disconnect %s", a.raw)
	}
	a = c.do("POST", path, nil)
	if a.body["disconnected"] != false {
		t.Fatalf("second disconnect %s", a.raw)
	}
	expectError(t, c.do("POST", fmt.Sprintf("/workspaces/%s/users/1/whatsapp/disconnect", ws), nil), 404, "user_not_found")
	if err := srv.SimulatePhoneDisconnect(ws, uid, ""); err == nil {
		t.Fatal("phone disconnect of nothing succeeded")
	}
}

func TestPublicAPIToken(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("tok", 1)
	if snap, _ := srv.Workspace(ws); snap.PublicAPIToken != "" {
		t.Fatal("token exists before the first GET")
	}
	a := c.do("GET", "/workspaces/"+ws+"/api-token", nil)
	expectStatus(t, a, 200)
	tok1 := a.str("token")
	if tok1 == "" || a.str("workspace_id") != ws || a.header.Get("X-TL-API-Version") != "v1" {
		t.Fatalf("get %s", a.raw)
	}
	if _, ok := a.body["rotated_at"]; ok {
		t.Fatal("GET carries rotated_at")
	}
	if again := c.do("GET", "/workspaces/"+ws+"/api-token", nil).str("token"); again != tok1 {
		t.Fatal("GET changed the token")
	}
	if !srv.PublicAPITokenValid(ws, tok1) {
		t.Fatal("token not valid")
	}
	a = c.do("POST", "/workspaces/"+ws+"/api-token", nil)
	expectStatus(t, a, 201)
	tok2 := a.str("token")
	if tok2 == tok1 || a.str("rotated_at") == "" || a.header.Get("X-TL-API-Version") != "" {
		t.Fatalf("rotate %s (version header %q)", a.raw, a.header.Get("X-TL-API-Version"))
	}
	if srv.PublicAPITokenValid(ws, tok1) || !srv.PublicAPITokenValid(ws, tok2) {
		t.Fatal("rotation did not invalidate the old token")
	}
	if got := c.do("GET", "/workspaces/"+ws+"/api-token", nil).str("token"); got != tok2 {
		t.Fatal("GET after rotate returns another token")
	}
}

func TestQuotasInDetails(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	srv := newFake(t, tlpartnertest.Options{Now: func() time.Time { return now }})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("quota", 2)
	if err := srv.SetQuota(ws, tlpartnertest.QuotaMessaging, 500); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetUsage(ws, tlpartnertest.QuotaMessaging, 120); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetUsage(ws, tlpartnertest.QuotaAPICalls, 7); err != nil {
		t.Fatal(err)
	}
	d := c.do("GET", "/workspaces/"+ws, nil)
	m := d.body["messages_quota"].(map[string]any)
	if m["total"].(float64) != 500 || m["used"].(float64) != 120 || m["period_start"] != "2026-03-01T00:00:00.000Z" || m["period_end"] != "2026-03-31T23:59:59.000Z" {
		t.Fatalf("messages_quota %v", m)
	}
	api := d.body["api_calls_quota"].(map[string]any)
	if api["used"].(float64) != 7 || api["total"].(float64) != tlpartnertest.DefaultAPICallsQuota {
		t.Fatalf("api_calls_quota %v", api)
	}
	if _, ok := d.body["non_recurring_quota"].(map[string]any)["remaining_balance"]; !ok {
		t.Fatalf("non_recurring_quota %v", d.body["non_recurring_quota"])
	}
	// Next month: usage starts over.
	srv.Advance(31 * 24 * time.Hour)
	d = c.do("GET", "/workspaces/"+ws, nil)
	m = d.body["messages_quota"].(map[string]any)
	if m["used"].(float64) != 0 || m["period_start"] != "2026-04-01T00:00:00.000Z" {
		t.Fatalf("new period %v", m)
	}
	if err := srv.SetUsage("nope", tlpartnertest.QuotaMessaging, 1); err == nil {
		t.Fatal("unknown workspace accepted")
	}
	if err := srv.SetUsage(ws, "bogus", 1); err == nil {
		t.Fatal("unknown quota accepted")
	}
}

func TestSeatDowngradeKeepsExpiredLinksExpired(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("expired-shrink", 3)
	ids := c.mkUsers(ws, 2)
	link := c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, ids[1]), map[string]any{"expires_in_hours": 1}).str("qr_link")
	srv.Advance(2 * time.Hour)
	if st, _ := srv.QRLinkStatus(link); st != tlpartnertest.QRLinkExpired {
		t.Fatalf("link is %s before the downgrade, want expired", st)
	}
	expectStatus(t, c.do("PATCH", "/workspaces/"+ws, map[string]any{"seats_purchased": 2}), 200)
	if st, _ := srv.QRLinkStatus(link); st != tlpartnertest.QRLinkExpired {
		t.Fatalf("seat downgrade turned an expired link into %q", st)
	}
}
