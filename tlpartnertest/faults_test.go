package tlpartnertest_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func TestFault429And503(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault429, Count: 2, RetryAfter: 1500 * time.Millisecond},
		tlpartnertest.Fault{Kind: tlpartnertest.Fault503})
	if n := srv.PendingFaults(); n != 3 {
		t.Fatalf("pending %d", n)
	}
	for i := 0; i < 2; i++ {
		a := c.do("POST", "/workspaces", map[string]any{"display_name": "f"})
		if a.status != 429 || a.str("error") != "Too Many Requests" || a.str("message") != "Rate limit exceeded. Please retry after a short delay." {
			t.Fatalf("429 answer %d %s", a.status, a.raw)
		}
		if a.header.Get("Retry-After") != "2" {
			t.Fatalf("Retry-After %q", a.header.Get("Retry-After"))
		}
	}
	expectError(t, c.do("POST", "/workspaces", map[string]any{"display_name": "f"}), 503, "service_unavailable")
	expectStatus(t, c.do("POST", "/workspaces", map[string]any{"display_name": "f"}), 201)
	if _, ok := srv.Workspace("f"); !ok {
		t.Fatal("workspace missing")
	}
	reqs := srv.Requests()
	kinds := []tlpartnertest.FaultKind{tlpartnertest.Fault429, tlpartnertest.Fault429, tlpartnertest.Fault503, 0}
	for i, r := range reqs {
		if r.Fault != kinds[i] {
			t.Fatalf("request %d fault %v, want %v", i, r.Fault, kinds[i])
		}
	}
	// Faults hit before authentication.
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503})
	a := c.doWith("GET", "/workspaces/f", nil, nil)
	expectError(t, a, 503, "service_unavailable")
}

func TestFaultFilters(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("filters", 3)
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Path: "/workspaces/" + ws + "/api-token", Method: "POST", Count: 5})
	expectStatus(t, c.do("GET", "/workspaces/"+ws, nil), 200)
	expectStatus(t, c.do("GET", "/workspaces/"+ws+"/api-token", nil), 200)
	expectError(t, c.do("POST", "/workspaces/"+ws+"/api-token", nil), 503, "service_unavailable")
	srv.ClearFaults()
	expectStatus(t, c.do("POST", "/workspaces/"+ws+"/api-token", nil), 201)
	// Absolute paths work as well.
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault429, Path: "/partner/api/v1/workspaces/" + ws})
	if a := c.do("GET", "/workspaces/"+ws, nil); a.status != 429 {
		t.Fatalf("absolute path fault: %d", a.status)
	}
	if srv.PendingFaults() != 0 {
		t.Fatal("fault not consumed")
	}
}

func TestFaultDrop(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultDrop})
	tok := mint(t, jwt.SigningMethodHS256, []byte(srv.Secret()), goodClaims(srv.PartnerID()))
	req, _ := http.NewRequest("POST", srv.PartnerAPIURL()+"/workspaces", bytes.NewReader([]byte(`{"display_name":"drop"}`)))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-TL-Partner-Id", srv.PartnerID())
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped request got status %d", resp.StatusCode)
	}
	if _, ok := srv.Workspace("drop"); ok {
		t.Fatal("dropped request was executed")
	}
	r := srv.Requests()[0]
	if r.Fault != tlpartnertest.FaultDrop || r.StatusCode != 0 {
		t.Fatalf("record %+v", r)
	}
	expectStatus(t, rawFor(t, srv).do("POST", "/workspaces", map[string]any{"display_name": "drop"}), 201)
}

func TestFaultLoseResponse(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultLoseResponse, Method: "POST"})
	tok := mint(t, jwt.SigningMethodHS256, []byte(srv.Secret()), goodClaims(srv.PartnerID()))
	req, _ := http.NewRequest("POST", srv.PartnerAPIURL()+"/workspaces", bytes.NewReader([]byte(`{"display_name":"lost"}`)))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-TL-Partner-Id", srv.PartnerID())
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("lost response arrived with status %d", resp.StatusCode)
	}
	if _, ok := srv.Workspace("lost"); !ok {
		t.Fatal("the request was not executed before its response was lost")
	}
	r := srv.Requests()[0]
	if r.Fault != tlpartnertest.FaultLoseResponse || r.StatusCode != 201 {
		t.Fatalf("record %+v", r)
	}
}

func TestFaultDelay(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultDelay, Delay: time.Hour})
	tok := mint(t, jwt.SigningMethodHS256, []byte(srv.Secret()), goodClaims(srv.PartnerID()))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.PartnerAPIURL()+"/workspaces", strings.NewReader(`{"display_name":"late"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-TL-Partner-Id", srv.PartnerID())
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("delayed request: %v", err)
	}
	expectStatus(t, rawFor(t, srv).do("POST", "/workspaces", map[string]any{"display_name": "late"}), 201)

	// A short delay still serves the request.
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultDelay, Delay: time.Millisecond})
	expectStatus(t, rawFor(t, srv).do("GET", "/workspaces/late", nil), 200)
}

func TestFaultsDoNotTouchQRPages(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	ws := c.mkWorkspace("pages", 2)
	uid := c.mkUsers(ws, 1)[0]
	link := c.do("POST", "/workspaces/"+ws+"/users/"+itoa(uid)+"/qr", nil).str("qr_link")
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503})
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || srv.PendingFaults() != 1 {
		t.Fatalf("QR page status %d, pending %d", resp.StatusCode, srv.PendingFaults())
	}
}
