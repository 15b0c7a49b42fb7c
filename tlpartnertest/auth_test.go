package tlpartnertest_test

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func TestAuthFailures(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{
		PartnerID: "acme", Secret: "s3cret",
		Partners: []tlpartnertest.Partner{{ID: "sleepy", Secret: "zzz", Inactive: true}, {ID: "other", Secret: "other-secret"}},
	})
	c := rawFor(t, srv)
	now := time.Now()
	hs := func(claims jwt.MapClaims) string { return mint(t, jwt.SigningMethodHS256, []byte("s3cret"), claims) }
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	noneTok := mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, goodClaims("acme"))

	cases := []struct {
		name    string
		headers map[string]string
		code    string
	}{
		{"no headers", map[string]string{}, "missing_header"},
		{"no partner header", map[string]string{"Authorization": "Bearer " + hs(goodClaims("acme"))}, "missing_header"},
		{"no authorization", map[string]string{"X-TL-Partner-Id": "acme"}, "missing_header"},
		{"not bearer", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Basic YWNtZTpzM2NyZXQ="}, "token_decode_error"},
		{"garbage token", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer not.a.jwt"}, "token_decode_error"},
		{"unknown partner", map[string]string{"X-TL-Partner-Id": "nobody", "Authorization": "Bearer " + hs(goodClaims("nobody"))}, "partner_not_found"},
		{"inactive partner", map[string]string{"X-TL-Partner-Id": "sleepy", "Authorization": "Bearer " + mint(t, jwt.SigningMethodHS256, []byte("zzz"), goodClaims("sleepy"))}, "partner_not_active"},
		{"wrong secret", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + mint(t, jwt.SigningMethodHS256, []byte("wrong"), goodClaims("acme"))}, "invalid_signature"},
		{"other partner's secret", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + mint(t, jwt.SigningMethodHS256, []byte("other-secret"), goodClaims("acme"))}, "invalid_signature"},
		{"HS512", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + mint(t, jwt.SigningMethodHS512, []byte("s3cret"), goodClaims("acme"))}, "invalid_signature"},
		{"RS256", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + mint(t, jwt.SigningMethodRS256, rsaKey, goodClaims("acme"))}, "invalid_signature"},
		{"alg none", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + noneTok}, "invalid_signature"},
		{"claim for other partner", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + hs(goodClaims("other"))}, "invalid_signature"},
		{"missing partner_id", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + hs(jwt.MapClaims{"nbf": now.Unix() - 60, "exp": now.Unix() + 60})}, "missing_claim"},
		{"missing nbf", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + hs(jwt.MapClaims{"partner_id": "acme", "exp": now.Unix() + 60})}, "missing_claim"},
		{"missing exp", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + hs(jwt.MapClaims{"partner_id": "acme", "nbf": now.Unix() - 60})}, "missing_claim"},
		{"expired", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + hs(jwt.MapClaims{"partner_id": "acme", "nbf": now.Unix() - 600, "exp": now.Unix() - 300})}, "timestamp_out_of_range"},
		{"not yet valid", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + hs(jwt.MapClaims{"partner_id": "acme", "nbf": now.Unix() + 300, "exp": now.Unix() + 600})}, "timestamp_out_of_range"},
		{"nbf not a number", map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + hs(jwt.MapClaims{"partner_id": "acme", "nbf": "soon", "exp": now.Unix() + 600})}, "token_decode_error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := c.doWith("POST", "/workspaces", map[string]any{"display_name": "x"}, tc.headers)
			expectError(t, a, 401, tc.code)
		})
	}
	if n := len(srv.Requests()); n != len(cases) {
		t.Fatalf("recorded %d requests, want %d", n, len(cases))
	}
	if _, ok := srv.Workspace("x"); ok {
		t.Fatal("a rejected request created a workspace")
	}
}

func TestAuthLeeway(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{PartnerID: "acme", Secret: "k"})
	c := rawFor(t, srv)
	now := time.Now()
	// nbf two seconds in the future is inside the default 5 s leeway.
	tok := mint(t, jwt.SigningMethodHS256, []byte("k"), jwt.MapClaims{"partner_id": "acme", "nbf": now.Unix() + 2, "exp": now.Unix() + 60})
	a := c.doWith("POST", "/workspaces", map[string]any{"display_name": "leeway"}, map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + tok})
	expectStatus(t, a, 201)

	strict := newFake(t, tlpartnertest.Options{PartnerID: "acme", Secret: "k", ClockSkew: -1})
	a = rawFor(t, strict).doWith("POST", "/workspaces", map[string]any{"display_name": "leeway"}, map[string]string{"X-TL-Partner-Id": "acme", "Authorization": "Bearer " + tok})
	expectError(t, a, 401, "timestamp_out_of_range")
}

func TestPartnerActivation(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	if err := srv.SetPartnerActive(srv.PartnerID(), false); err != nil {
		t.Fatal(err)
	}
	expectError(t, c.do("POST", "/workspaces", map[string]any{"display_name": "a"}), 401, "partner_not_active")
	if err := srv.SetPartnerActive(srv.PartnerID(), true); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, c.do("POST", "/workspaces", map[string]any{"display_name": "a"}), 201)
	if err := srv.SetPartnerActive("nope", true); err == nil {
		t.Fatal("unknown partner accepted")
	}
}

func TestRequestLogRedactsAuthorization(t *testing.T) {
	srv := newFake(t, tlpartnertest.Options{})
	c := rawFor(t, srv)
	c.do("POST", "/workspaces", map[string]any{"display_name": "logme", "seats_purchased": 2})
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/partner/api/v1/workspaces" || r.StatusCode != 201 || r.PartnerID != srv.PartnerID() {
		t.Fatalf("unexpected record %+v", r)
	}
	if got := r.Header.Get("Authorization"); got != "[redacted]" {
		t.Fatalf("Authorization recorded as %q", got)
	}
	if r.Header.Get("X-TL-Partner-Id") != srv.PartnerID() {
		t.Fatal("partner header not recorded")
	}
	if string(r.Body) != `{"display_name":"logme","seats_purchased":2}` {
		t.Fatalf("body %q", r.Body)
	}
	srv.ResetRequests()
	if len(srv.Requests()) != 0 {
		t.Fatal("reset did not empty the log")
	}
}
