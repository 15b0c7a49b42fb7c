package tlpartnertest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func control(t *testing.T, srv *tlpartnertest.Server, method, op, body string) (int, map[string]any, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+"/_fake/"+op, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m, b
}

func TestControlEndpoints(t *testing.T) {
	rcv := newReceiver(t, tlpartnertest.DefaultPartnerID, "ctl-secret")
	srv := newFake(t, tlpartnertest.Options{Secret: "ctl-secret", ControlEndpoints: true})
	c := rawFor(t, srv)
	ws, uid, link := issueLink(t, srv, "ctl")

	if st, _, _ := control(t, srv, "POST", "webhook-url", fmt.Sprintf(`{"url":%q}`, rcv.URL)); st != 200 {
		t.Fatalf("webhook-url %d", st)
	}
	st, m, raw := control(t, srv, "POST", "scan", fmt.Sprintf(`{"qr_link":%q,"phone":"+31612345678"}`, link))
	if st != 200 || m["workspace_id"] != ws || int64(m["user_id"].(float64)) != uid || m["phone_number_e164"] != "+31612345678" {
		t.Fatalf("scan %d %s", st, raw)
	}
	if st, m, _ := control(t, srv, "POST", "scan", fmt.Sprintf(`{"qr_link":%q,"phone":"+31612345678"}`, link)); st != 400 || !strings.Contains(m["error"].(string), "not active") {
		t.Fatalf("second scan %d %v", st, m)
	}
	if st, _, raw := control(t, srv, "POST", "phone-disconnect", fmt.Sprintf(`{"workspace_id":%q,"user_id":%d}`, ws, uid)); st != 200 {
		t.Fatalf("phone-disconnect %d %s", st, raw)
	}
	if st, _, _ := control(t, srv, "POST", "quota", fmt.Sprintf(`{"workspace_id":%q,"quota":"messaging","total":10}`, ws)); st != 200 {
		t.Fatal("quota")
	}
	if st, _, _ := control(t, srv, "POST", "usage", fmt.Sprintf(`{"workspace_id":%q,"quota":"messaging","used":10}`, ws)); st != 200 {
		t.Fatal("usage")
	}
	if st, _, _ := control(t, srv, "POST", "usage", fmt.Sprintf(`{"workspace_id":%q,"quota":"nope","used":10}`, ws)); st != 400 {
		t.Fatal("bad quota accepted")
	}
	if st, _, _ := control(t, srv, "POST", "qr-error", fmt.Sprintf(`{"qr_link":%q,"message":"boom"}`, link)); st != 200 {
		t.Fatal("qr-error")
	}
	if st, m, _ := control(t, srv, "POST", "faults", `{"kind":"503","count":2,"path":"/workspaces"}`); st != 200 || m["pending"].(float64) != 2 {
		t.Fatalf("faults %v", m)
	}
	expectError(t, c.do("GET", "/workspaces/"+ws, nil), 503, "service_unavailable")
	srv.ClearFaults()
	if st, _, _ := control(t, srv, "POST", "faults", `{"kind":"teapot"}`); st != 400 {
		t.Fatal("bad fault kind accepted")
	}
	if st, m, _ := control(t, srv, "POST", "advance", `{"seconds":90000}`); st != 200 || m["now"] == "" {
		t.Fatal("advance")
	}
	var reqs []map[string]any
	_, _, raw = control(t, srv, "GET", "requests", "")
	if err := json.Unmarshal(raw, &reqs); err != nil || len(reqs) < 3 {
		t.Fatalf("requests %s", raw)
	}
	if strings.Contains(string(raw), "Bearer ") {
		t.Fatal("control log leaks a token")
	}
	deliveries := waitN(t, srv, 4) // connected, disconnected, quota near full, quota full
	_, _, raw = control(t, srv, "GET", "deliveries", "")
	var ds []map[string]any
	if err := json.Unmarshal(raw, &ds); err != nil || len(ds) != len(deliveries) || ds[0]["body"].(map[string]any)["event_type"] == nil {
		t.Fatalf("deliveries %s", raw)
	}
	st, m, _ = control(t, srv, "GET", "workspaces/"+ws, "")
	if st != 200 || m["workspace_id"] != ws || len(m["users"].([]any)) != 2 {
		t.Fatalf("snapshot %v", m)
	}
	if st, _, _ := control(t, srv, "GET", "workspaces/nope", ""); st != 404 {
		t.Fatal("unknown workspace snapshot")
	}
	if st, _, _ := control(t, srv, "GET", "scan", ""); st != 405 {
		t.Fatal("GET scan allowed")
	}
	if st, _, _ := control(t, srv, "POST", "scan", "{"); st != 400 {
		t.Fatal("malformed JSON accepted")
	}
	if st, _, _ := control(t, srv, "GET", "bogus", ""); st != 404 {
		t.Fatal("unknown endpoint")
	}

	// The QR page offers the simulated scan only when the controls are on.
	_, _, uid2Link := issueLink(t, srv, "ctl-page")
	if _, _, body := get(t, uid2Link); !strings.Contains(body, `id="dev-scan"`) {
		t.Fatal("dev scan button missing")
	}
	plain := newFake(t, tlpartnertest.Options{})
	_, _, plainLink := issueLink(t, plain, "plain")
	if _, _, body := get(t, plainLink); strings.Contains(body, `id="dev-scan"`) {
		t.Fatal("dev scan button without control endpoints")
	}
	if st, _, _ := get(t, plain.URL+"/_fake/requests"); st != 404 {
		t.Fatalf("control endpoints exposed by default: %d", st)
	}
}

// The control API's snapshot must not hand out the workspace's Public API
// token: tokens never appear in the JSON of any value, and a non-Go test
// suite gets it the way a partner does, with GET /workspaces/{id}/api-token.
func TestControlSnapshotOmitsPublicAPIToken(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{ControlEndpoints: true})
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ws, _, _ := issueLink(t, srv, "snaptoken")
	tok, err := c.GetPublicAPIToken(t.Context(), ws)
	if err != nil {
		t.Fatal(err)
	}
	snap, ok := srv.Workspace(ws)
	if !ok || snap.PublicAPIToken != tok.Token {
		t.Fatalf("Go snapshot should still carry the token for assertions")
	}
	st, _, raw := control(t, srv, "GET", "workspaces/"+ws, "")
	if st != 200 {
		t.Fatalf("snapshot %d %s", st, raw)
	}
	if strings.Contains(string(raw), tok.Token) {
		t.Fatalf("control snapshot JSON leaks the Public API token: %s", raw)
	}
	b, err := json.Marshal(snap)
	if err != nil || strings.Contains(string(b), tok.Token) {
		t.Fatalf("json.Marshal(Snapshot) leaks the token: %s %v", b, err)
	}
}
