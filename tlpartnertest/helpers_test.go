package tlpartnertest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// newFake starts a fake closed at the end of the test, with fast webhook
// retries.
func newFake(t *testing.T, opts tlpartnertest.Options) *tlpartnertest.Server {
	t.Helper()
	if opts.WebhookBackoff == 0 {
		opts.WebhookBackoff = 5 * time.Millisecond
	}
	return tlpartnertest.New(t, opts)
}

// mint makes a partner JWT by hand.
func mint(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

func goodClaims(pid string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"partner_id": pid, "nbf": now.Add(-3 * time.Minute).Unix(), "exp": now.Add(3 * time.Minute).Unix()}
}

// raw is a minimal hand-rolled Partner API client.
type raw struct {
	t      *testing.T
	srv    *tlpartnertest.Server
	pid    string
	secret string
}

func rawFor(t *testing.T, srv *tlpartnertest.Server) *raw {
	return &raw{t: t, srv: srv, pid: srv.PartnerID(), secret: srv.Secret()}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (a answer) str(k string) string {
	s, _ := a.body[k].(string)
	return s
}

func (a answer) num(k string) int64 {
	f, _ := a.body[k].(float64)
	return int64(f)
}

func (a answer) code() string { return a.str("error") }

func (c *raw) do(method, path string, body any) answer {
	c.t.Helper()
	tok := mint(c.t, jwt.SigningMethodHS256, []byte(c.secret), goodClaims(c.pid))
	return c.doWith(method, path, body, map[string]string{
		"Authorization":   "Bearer " + tok,
		"X-TL-Partner-Id": c.pid,
	})
}

func (c *raw) doWith(method, path string, body any, headers map[string]string) answer {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.srv.PartnerAPIURL()+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: b}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &a.body); err != nil {
			c.t.Fatalf("%s %s: body is not a JSON object: %q", method, path, b)
		}
	}
	return a
}

// expectError checks an error envelope.
func expectError(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.code() != code {
		t.Fatalf("got %d %s, want %d %s (body %s)", a.status, a.code(), status, code, a.raw)
	}
	if a.num("status") != int64(status) {
		t.Fatalf("envelope status %v, want %d (body %s)", a.body["status"], status, a.raw)
	}
	if a.header.Get("X-TL-API-Version") != "" {
		t.Fatalf("error answer carries X-TL-API-Version")
	}
}

func expectStatus(t *testing.T, a answer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("got %d, want %d (body %s)", a.status, status, a.raw)
	}
}

// mkWorkspace creates a workspace and returns its id.
func (c *raw) mkWorkspace(name string, seats int) string {
	c.t.Helper()
	a := c.do("POST", "/workspaces", map[string]any{"display_name": name, "seats_purchased": seats})
	expectStatus(c.t, a, 201)
	return a.str("workspace_id")
}

// mkUsers adds n agents and returns their ids.
func (c *raw) mkUsers(ws string, n int) []int64 {
	c.t.Helper()
	a := c.do("POST", "/workspaces/"+ws+"/users", map[string]any{"count": n})
	expectStatus(c.t, a, 201)
	var ids []int64
	for _, u := range a.body["users"].([]any) {
		ids = append(ids, int64(u.(map[string]any)["user_id"].(float64)))
	}
	return ids
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// newSlowReceiver starts a webhook receiver that answers nothing until the
// request is cancelled or the test has finished.
func newSlowReceiver(t *testing.T) *httptest.Server {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() {
		close(release)
		slow.Close()
	})
	return slow
}
