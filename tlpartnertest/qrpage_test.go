package tlpartnertest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// issueLink creates a workspace with one agent and a QR link for it.
func issueLink(t *testing.T, srv *tlpartnertest.Server, name string) (ws string, uid int64, link string) {
	t.Helper()
	c := rawFor(t, srv)
	ws = c.mkWorkspace(name, 3)
	uid = c.mkUsers(ws, 1)[0]
	link = c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, uid), nil).str("qr_link")
	return ws, uid, link
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestQRPageServed(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{EmbedOrigins: []string{"http://127.0.0.1:9999", "https://app.example.com"}, QRRotateInterval: 300 * time.Millisecond})
	_, _, link := issueLink(t, srv, "page")

	status, h, body := get(t, link+"?display_mode=embedding")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d %s", status, h.Get("Content-Type"))
	}
	csp := h.Get("Content-Security-Policy")
	m := regexp.MustCompile(`script-src 'nonce-([0-9a-f]+)'`).FindStringSubmatch(csp)
	if m == nil || !strings.Contains(body, `<script nonce="`+m[1]+`">`) || !strings.Contains(csp, "connect-src 'self'") {
		t.Fatalf("CSP %q does not match the page", csp)
	}
	if h.Get("X-Frame-Options") != "" {
		t.Fatal("page must be frameable")
	}
	for _, bad := range []string{"<link", "src=\"http", "src='http", "@import", "url(http"} {
		if strings.Contains(body, bad) {
			t.Fatalf("page loads an external resource (%s)", bad)
		}
	}
	for _, want := range []string{
		`data-mode="embedding"`, `data-state="idle"`, `"origins":["http://127.0.0.1:9999","https://app.example.com"]`,
		`"rotateMs":300`, "TIMELINES_START_QR", "TIMELINES_START_PHONE_LINKING", "TIMELINES_QR_CODE_DATA",
		"TIMELINES_PAIRING_CODE", "TIMELINES_QR_CONNECTED", "TIMELINES_ERROR", "Generate QR Code", `id="phone-form"`,
		"window.parent.postMessage(msg, allowed[i])",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	_, _, standalone := get(t, link)
	if !strings.Contains(standalone, `data-mode="standalone"`) || !strings.Contains(standalone, "Standalone mode") {
		t.Fatal("standalone mode not shown")
	}
	if status, _, _ := get(t, srv.URL+"/qr/nope"); status != 404 {
		t.Fatalf("unknown link: %d", status)
	}
	resp, err := http.Post(link, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Fatalf("POST page: %d", resp.StatusCode)
	}
}

func TestQRPageDeadLinks(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{EmbedOrigins: []string{"http://127.0.0.1:9999"}})
	c := rawFor(t, srv)
	ws, uid, used := issueLink(t, srv, "dead")
	if _, err := srv.SimulateScan(used, "+31612345678"); err != nil {
		t.Fatal(err)
	}
	status, _, body := get(t, used+"?display_mode=embedding")
	if status != 410 || !strings.Contains(body, `data-state="dead"`) || !strings.Contains(body, "already used") {
		t.Fatalf("used link: %d", status)
	}
	l1 := c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, uid), nil).str("qr_link")
	l2 := c.do("POST", fmt.Sprintf("/workspaces/%s/users/%d/qr", ws, uid), map[string]any{"expires_in_hours": 1}).str("qr_link")
	if status, _, body := get(t, l1); status != 410 || !strings.Contains(body, "replaced by a newer one") {
		t.Fatalf("revoked link: %d", status)
	}
	if status, _, _ := get(t, l2); status != 200 {
		t.Fatalf("active link: %d", status)
	}
	srv.Advance(61 * time.Minute)
	if status, _, body := get(t, l2); status != 410 || !strings.Contains(body, "expired") {
		t.Fatalf("expired link: %d", status)
	}
}

func postPhone(t *testing.T, link, phone string) (int, map[string]string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"phone": phone})
	resp, err := http.Post(link+"/pairing-code", "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestPairingCodeEndpoint(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	_, _, link := issueLink(t, srv, "pair")
	if _, _, err := srv.PairingCode(link); err == nil {
		t.Fatal("pairing code before any request")
	}
	for _, bad := range []string{"", "0612345678", "+31-6-12345678", "+0612345678", "++31612345678"} {
		status, out := postPhone(t, link, bad)
		if status != 400 || !strings.Contains(out["message"], "Invalid phone number") {
			t.Fatalf("phone %q: %d %v", bad, status, out)
		}
	}
	status, out := postPhone(t, link, "+31612345678")
	if status != 200 || !regexp.MustCompile(`^[0-9]{8}$`).MatchString(out["code"]) {
		t.Fatalf("good phone: %d %v", status, out)
	}
	code, phone, err := srv.PairingCode(link)
	if err != nil || code != out["code"] || phone != "+31612345678" {
		t.Fatalf("PairingCode = %q %q %v", code, phone, err)
	}
	if _, err := srv.SimulateScan(link, phone); err != nil {
		t.Fatal(err)
	}
	if status, out := postPhone(t, link, "+31612345678"); status != 410 || out["message"] == "" {
		t.Fatalf("used link pairing: %d %v", status, out)
	}
	if status, _ := postPhone(t, srv.URL+"/qr/unknown", "+31612345678"); status != 404 {
		t.Fatalf("unknown link pairing: %d", status)
	}
}

// sse reads server-sent events.
type sse struct {
	resp *http.Response
	rd   *bufio.Reader
}

type sseEvent struct{ id, name, data string }

func openSSE(t *testing.T, ctx context.Context, url, lastID string) *sse {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &sse{resp: resp, rd: bufio.NewReader(resp.Body)}
}

// next returns the next event that has a name (comments and retry lines skipped).
func (s *sse) next(t *testing.T) sseEvent {
	t.Helper()
	var ev sseEvent
	for {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			t.Fatalf("reading events: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if ev.name != "" {
				return ev
			}
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.name = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
}

func TestQREventStream(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	_, _, link := issueLink(t, srv, "events")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// An error emitted before the page connects is replayed.
	must(t, srv.EmitQRError(link, "QR Code mismatch. Please generate a new one."))
	s := openSSE(t, ctx, link+"/events", "")
	ev := s.next(t)
	if ev.name != "qr-error" || ev.id != "1" || ev.data != `{"message":"QR Code mismatch. Please generate a new one."}` {
		t.Fatalf("first event %+v", ev)
	}
	// Live events arrive while the stream is open.
	if _, err := srv.SimulateScan(link, "+31612345678"); err != nil {
		t.Fatal(err)
	}
	ev = s.next(t)
	if ev.name != "connected" || ev.id != "2" {
		t.Fatalf("second event %+v", ev)
	}
	// A reconnect with Last-Event-ID gets only newer events.
	s2 := openSSE(t, ctx, link+"/events", "1")
	if ev := s2.next(t); ev.name != "connected" || ev.id != "2" {
		t.Fatalf("resumed event %+v", ev)
	}
	if err := srv.EmitQRError(srv.URL+"/qr/unknown", "x"); err == nil {
		t.Fatal("unknown link accepted")
	}
	if status, _, _ := get(t, srv.URL+"/qr/unknown/events"); status != 404 {
		t.Fatalf("unknown link events: %d", status)
	}
}

func TestCloseEndsEventStreams(t *testing.T) {
	srv := tlpartnertest.NewServer(tlpartnertest.Options{})
	_, _, link := issueLink(t, srv, "close")
	s := openSSE(t, context.Background(), link+"/events", "")
	srv.Close() // must not hang on the open stream
	if _, err := io.ReadAll(s.rd); err != nil && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "closed") && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("stream did not end cleanly: %v", err)
	}
}

func TestOptionsValidation(t *testing.T) {
	bad := []tlpartnertest.Options{
		{EmbedOrigins: []string{"http://example.com/"}},
		{EmbedOrigins: []string{"*"}},
		{EmbedOrigins: []string{"example.com"}},
		{EmbedOrigins: []string{"https://example.com/path"}},
		{EmbedOrigins: []string{"http://"}},
		{EmbedOrigins: []string{"http://Example.com"}},
		{EmbedOrigins: []string{"HTTPS://example.com"}},
		{EmbedOrigins: []string{"https://example.com:443"}},
		{EmbedOrigins: []string{"http://example.com:80"}},
		{EmbedOrigins: []string{"http://example.com:0"}},
		{EmbedOrigins: []string{"http://example.com:99999"}},
		{EmbedOrigins: []string{"http://user@example.com"}},
		{EmbedOrigins: []string{"https://example.com?x=1"}},
		{EmbedOrigins: []string{"https://example.com#frag"}},
		{EmbedOrigins: []string{"ftp://example.com"}},
		{Partners: []tlpartnertest.Partner{{ID: ""}}},
		{PartnerID: "a", Partners: []tlpartnertest.Partner{{ID: "a"}}},
		{Addr: "0.0.0.0:0"},
		{Addr: ":0"},
		{Addr: "192.0.2.1:0"},
		{Addr: "no-port"},
	}
	for i, o := range bad {
		if srv, err := tlpartnertest.StartServer(o); err == nil {
			srv.Close()
			t.Errorf("options %d accepted: %+v", i, o)
		}
	}
	srv, err := tlpartnertest.StartServer(tlpartnertest.Options{Addr: "localhost:0"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	defer func() {
		if recover() == nil {
			t.Fatal("NewServer did not panic on bad options")
		}
	}()
	tlpartnertest.NewServer(tlpartnertest.Options{Addr: "0.0.0.0:0"})
}

func TestServerAccessors(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	if srv.PartnerID() != tlpartnertest.DefaultPartnerID || len(srv.Secret()) != 64 {
		t.Fatalf("defaults: %q %d", srv.PartnerID(), len(srv.Secret()))
	}
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || srv.PartnerAPIURL() != srv.URL+"/partner/api/v1" {
		t.Fatalf("URL %q origin %q", srv.PartnerAPIURL(), srv.URL)
	}
	if s := srv.String(); strings.Contains(s, srv.Secret()) || !strings.Contains(s, srv.URL) {
		t.Fatalf("String() = %q", s)
	}
	if s := fmt.Sprintf("%v %+v %#v", srv, srv, srv); strings.Contains(s, srv.Secret()) {
		t.Fatal("formatted server leaks the secret")
	}
	if srv.PartnerSecret("nobody") != "" {
		t.Fatal("unknown partner has a secret")
	}
	before := srv.Now()
	srv.Advance(time.Hour)
	if d := srv.Now().Sub(before); d < time.Hour {
		t.Fatalf("Advance moved the clock by %v", d)
	}
	if status, _, _ := get(t, srv.URL+"/elsewhere"); status != 404 {
		t.Fatalf("unknown path: %d", status)
	}
}

func TestEmbedOriginsAcceptBrowserForms(t *testing.T) {
	good := []string{"https://app.example.com", "http://127.0.0.1:9999", "http://localhost:8080", "http://[::1]:8080", "https://example.com:8443"}
	srv, err := tlpartnertest.StartServer(tlpartnertest.Options{EmbedOrigins: good})
	if err != nil {
		t.Fatalf("browser-form origins refused: %v", err)
	}
	srv.Close()
}
