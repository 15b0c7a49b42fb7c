package tlpartnertest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// pubWS is a workspace driven through the fake's Public API.
type pubWS struct {
	t      *testing.T
	srv    *tlpartnertest.Server
	raw    *raw
	id     string
	token  string
	userID int64  // the agent whose account is connected
	phone  string // its WhatsApp number ("" when not connected)
}

// newPubWS creates a workspace with one agent, connects the agent's
// WhatsApp account with phone (unless it is "") and fetches the token.
func newPubWS(t *testing.T, srv *tlpartnertest.Server, name, phone string) *pubWS {
	t.Helper()
	r := rawFor(t, srv)
	p := &pubWS{t: t, srv: srv, raw: r, id: r.mkWorkspace(name, 5), phone: phone}
	p.userID = r.mkUsers(p.id, 1)[0]
	if phone != "" {
		qr := r.do("POST", "/workspaces/"+p.id+"/users/"+itoa(p.userID)+"/qr", nil)
		expectStatus(t, qr, 200)
		if _, err := srv.SimulateScan(qr.str("qr_link"), phone); err != nil {
			t.Fatalf("SimulateScan: %v", err)
		}
	}
	tok := r.do("GET", "/workspaces/"+p.id+"/api-token", nil)
	expectStatus(t, tok, 200)
	p.token = tok.str("token")
	return p
}

// rotate rotates the token through the Partner API and returns the old one.
func (p *pubWS) rotate() string {
	p.t.Helper()
	old := p.token
	a := p.raw.do("POST", "/workspaces/"+p.id+"/api-token", nil)
	expectStatus(p.t, a, 201)
	p.token = a.str("token")
	return old
}

// do sends a Public API request with the workspace's token.
func (p *pubWS) do(method, path string, body any) answer {
	p.t.Helper()
	return p.doToken(p.token, method, path, body)
}

func (p *pubWS) doToken(token, method, path string, body any) answer {
	p.t.Helper()
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return pubDo(p.t, p.srv, method, path, body, h)
}

// pubDo sends a request to the fake's Public API.
func pubDo(t *testing.T, srv *tlpartnertest.Server, method, path string, body any, headers map[string]string) answer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, srv.PublicAPIURL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: b}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &a.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %q", method, path, b)
		}
	}
	return a
}

// upload posts a multipart body with a "file" part to path.
func (p *pubWS) upload(path, filename string, data []byte, extra map[string]string) answer {
	p.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		p.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	for k, v := range extra {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	return pubDo(p.t, p.srv, "POST", path, buf.Bytes(), map[string]string{
		"Authorization": "Bearer " + p.token, "Content-Type": mw.FormDataContentType(),
	})
}

// ok checks a success envelope and returns its data.
func ok(t *testing.T, a answer) any {
	t.Helper()
	if a.status != 200 || a.str("status") != "ok" {
		t.Fatalf("got %d %s, want 200 ok", a.status, a.raw)
	}
	return a.body["data"]
}

func okMap(t *testing.T, a answer) map[string]any {
	t.Helper()
	m, isMap := ok(t, a).(map[string]any)
	if !isMap {
		t.Fatalf("data is not an object: %s", a.raw)
	}
	return m
}

func okList(t *testing.T, a answer) []any {
	t.Helper()
	l, isList := ok(t, a).([]any)
	if !isList {
		t.Fatalf("data is not an array: %s", a.raw)
	}
	return l
}

// pubFail checks a Public API error envelope.
func pubFail(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.str("status") != "error" || a.str("message") == "" || a.str("error_code") != code {
		t.Fatalf("got %d %s, want %d error_code %q", a.status, a.raw, status, code)
	}
}

// send sends text to phone and returns the message uid.
func (p *pubWS) send(phone, text string) string {
	p.t.Helper()
	return okMap(p.t, p.do("POST", "/messages", map[string]any{"phone": phone, "text": text}))["message_uid"].(string)
}

func (p *pubWS) credits() (used, total int64) {
	p.t.Helper()
	q := okMap(p.t, p.do("GET", "/workspace", nil))["messaging_quota"].(map[string]any)
	return int64(q["used"].(float64)), int64(q["total"].(float64))
}

// hookReceiver records Public API webhook bodies; fail decides, per
// attempt number (1-based), whether to answer 500.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	paths  []string
}

func newHookReceiver(t *testing.T, fail func(attempt int) bool) *hookReceiver {
	t.Helper()
	h := &hookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, b)
		h.paths = append(h.paths, r.URL.RequestURI())
		n := len(h.bodies)
		h.mu.Unlock()
		if r.Header.Get("X-TL-Signature") != "" {
			t.Error("a Public API webhook carries a Partner signature")
		}
		if fail != nil && fail(n) {
			w.WriteHeader(500)
			return
		}
	}))
	t.Cleanup(h.Close)
	return h
}

// subscribe creates a Public API webhook subscription.
func (p *pubWS) subscribe(eventType, url string) int64 {
	p.t.Helper()
	return int64(okMap(p.t, p.do("POST", "/webhooks", map[string]any{"event_type": eventType, "url": url}))["id"].(float64))
}

// publicDeliveries returns the Public deliveries among ds.
func publicDeliveries(ds []tlpartnertest.Delivery) []tlpartnertest.Delivery {
	return slices.DeleteFunc(slices.Clone(ds), func(d tlpartnertest.Delivery) bool { return !d.Public })
}

// decode parses a JSON object.
func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %q", b)
	}
	return m
}
