package tlpartnertest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// TestControlIndexListsEveryControl: GET /_fake/ lists the controls, and
// every listed control is routed (not 404).
func TestControlIndexListsEveryControl(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{ControlEndpoints: true})
	for _, path := range []string{"/_fake/", "/_fake"} {
		st, h, body := get(t, srv.URL+path)
		if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Fatalf("GET %s: %d %s", path, st, h.Get("Content-Type"))
		}
		var idx struct {
			Controls []struct {
				Method, Path, Body, Returns, Description string
			} `json:"controls"`
		}
		if err := json.Unmarshal([]byte(body), &idx); err != nil {
			t.Fatalf("index is not JSON: %v\n%s", err, body)
		}
		seen := map[string]bool{}
		for _, c := range idx.Controls {
			seen[c.Path] = true
			if c.Description == "" || (c.Method != "GET" && c.Method != "POST") {
				t.Errorf("control %+v lacks a method or description", c)
			}
			if strings.Contains(c.Path, "{") {
				continue
			}
			// A request with the wrong method still proves the route exists.
			wrong := "GET"
			if c.Method == "GET" {
				wrong = "POST"
			}
			if st, _, _ := control(t, srv, wrong, strings.TrimPrefix(c.Path, "/_fake/"), ""); st != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, want 405", wrong, c.Path, st)
			}
		}
		for _, want := range []string{"/_fake/scan", "/_fake/phone-disconnect", "/_fake/usage", "/_fake/quota", "/_fake/qr-error",
			"/_fake/faults", "/_fake/advance", "/_fake/webhook-url", "/_fake/requests", "/_fake/deliveries", "/_fake/workspaces/{id}", "/_fake/token"} {
			if !seen[want] {
				t.Errorf("index lacks %s:\n%s", want, body)
			}
		}
	}
}

func TestControlOversizedBodyIs413(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{ControlEndpoints: true})
	big := `{"phone":"` + strings.Repeat("1", 1<<20) + `"}`
	st, m, raw := control(t, srv, "POST", "scan", big)
	if st != http.StatusRequestEntityTooLarge || m["error"] == nil {
		t.Fatalf("oversized control body: %d %.200s", st, raw)
	}
}

// TestTypeErrorsNameAField: a body of the wrong JSON type ([] instead of an
// object) used to produce "field  has the wrong type".
func TestTypeErrorsNameAField(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{ControlEndpoints: true})
	c := rawFor(t, srv)
	a := c.do("POST", "/workspaces", "[]")
	expectError(t, a, 400, tlpartnertest.CodeInvalidRequest)
	if d := a.str("description"); strings.Contains(d, "field  ") || !strings.Contains(d, "request body") {
		t.Fatalf("API description %q", d)
	}
	a = c.do("POST", "/workspaces", `{"display_name": 5}`)
	if d := a.str("description"); !strings.Contains(d, "display_name") {
		t.Fatalf("API description %q", d)
	}

	st, m, _ := control(t, srv, "POST", "scan", "[]")
	if msg, _ := m["error"].(string); st != 400 || !strings.Contains(msg, "request body") || strings.Contains(msg, "field  ") {
		t.Fatalf("control: %d %v", st, m)
	}
	st, m, _ = control(t, srv, "POST", "phone-disconnect", `{"user_id":"x"}`)
	if msg, _ := m["error"].(string); st != 400 || !strings.Contains(msg, "user_id") {
		t.Fatalf("control: %d %v", st, m)
	}
}

// TestUnauthorizedLogLineGivesTheReason: a 401 log line says why.
func TestUnauthorizedLogLineGivesTheReason(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines []string
	srv := newFake(t, tlpartnertest.Options{Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(f, a...))
	}})
	c := rawFor(t, srv)
	c.secret = "wrong-secret"
	expectError(t, c.do("GET", "/workspaces/x", nil), 401, tlpartnertest.CodeInvalidSignature)
	expectError(t, c.doWith("GET", "/workspaces/x", nil, nil), 401, tlpartnertest.CodeMissingHeader)
	mu.Lock()
	defer mu.Unlock()
	logs := strings.Join(lines, "\n")
	for _, want := range []string{"-> 401 invalid_signature", "-> 401 missing_header"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, srv.Secret()) || strings.Contains(logs, "wrong-secret") {
		t.Error("log holds a secret")
	}
}

func TestControlTokenMintsAValidJWT(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{ControlEndpoints: true, Partners: []tlpartnertest.Partner{{ID: "globex"}}})
	c := rawFor(t, srv)
	for _, pid := range []string{"", srv.PartnerID(), "globex"} {
		q := ""
		if pid != "" {
			q = "?partner_id=" + pid
		} else {
			pid = srv.PartnerID()
		}
		st, h, tok := get(t, srv.URL+"/_fake/token"+q)
		if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") || strings.Count(tok, ".") != 2 {
			t.Fatalf("token %q: %d %q %q", q, st, h.Get("Content-Type"), tok)
		}
		a := c.doWith("GET", "/workspaces/none", nil, map[string]string{"Authorization": "Bearer " + strings.TrimSpace(tok), "X-TL-Partner-Id": pid})
		expectError(t, a, 404, tlpartnertest.CodeWorkspaceNotFound) // authenticated
	}
	if st, _, _ := get(t, srv.URL+"/_fake/token?partner_id=nobody"); st != 404 {
		t.Fatalf("unknown partner: %d", st)
	}
}

func TestNonLoopbackRefusalIsASentinel(t *testing.T) {
	t.Parallel()
	_, err := tlpartnertest.StartServer(tlpartnertest.Options{Addr: "0.0.0.0:0"})
	if !errors.Is(err, tlpartnertest.ErrNonLoopback) {
		t.Fatalf("err = %v", err)
	}
}
