package webhookstest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTokenMatchesTimelinesAIFormat(t *testing.T) {
	s := webhookstest.Signer{PartnerID: "p-1", Secret: "sec", Now: func() time.Time { return now }}
	tok, err := s.Token()
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	if h := decodeSegment(t, parts[0]); h["alg"] != "HS256" {
		t.Errorf("header = %v", h)
	}
	c := decodeSegment(t, parts[1])
	want := map[string]any{
		"partner_id": "p-1",
		"nbf":        float64(now.Add(-3 * time.Minute).Unix()),
		"exp":        float64(now.Add(3 * time.Minute).Unix()),
	}
	if len(c) != len(want) {
		t.Errorf("claims = %v, want exactly %v", c, want)
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	// The signature is HMAC-SHA256 with the secret.
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return []byte("sec"), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil || !parsed.Valid {
		t.Fatalf("jwt.Parse: %v", err)
	}
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return []byte("other"), nil }, jwt.WithTimeFunc(func() time.Time { return now })); err == nil {
		t.Error("token verifies with another secret")
	}
}

func TestLifetime(t *testing.T) {
	s := webhookstest.Signer{PartnerID: "p", Secret: "s", Now: func() time.Time { return now }, Lifetime: 10 * time.Second}
	tok, err := s.Token()
	if err != nil {
		t.Fatal(err)
	}
	c := decodeSegment(t, strings.Split(tok, ".")[1])
	if c["exp"] != float64(now.Add(10*time.Second).Unix()) || c["nbf"] != float64(now.Add(-10*time.Second).Unix()) {
		t.Errorf("claims = %v", c)
	}
}

func TestNewRequest(t *testing.T) {
	s := webhookstest.Signer{PartnerID: "p", Secret: "s"}
	req, err := s.NewRequest(context.Background(), "http://127.0.0.1:9/hook", []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != http.MethodPost || req.URL.String() != "http://127.0.0.1:9/hook" {
		t.Errorf("request = %s %s", req.Method, req.URL)
	}
	if req.Header.Get("X-TL-Partner-Id") != "p" || req.Header.Get("X-TL-Signature") == "" || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", req.Header)
	}
	b, err := io.ReadAll(req.Body)
	if err != nil || string(b) != `{"a":1}` {
		t.Errorf("body = %q, %v", b, err)
	}
	if req.ContentLength != 7 {
		t.Errorf("ContentLength = %d", req.ContentLength)
	}
	if _, err := s.NewRequest(context.Background(), "://bad", nil); err == nil {
		t.Error("bad URL accepted")
	}
}

func TestSignerErrors(t *testing.T) {
	for _, s := range []webhookstest.Signer{{Secret: "s"}, {PartnerID: "p"}} {
		if _, err := s.Token(); err == nil {
			t.Errorf("%+v: no error", s)
		}
		if _, err := s.Header(); err == nil {
			t.Errorf("%+v: Header: no error", s)
		}
		if _, err := s.NewRequest(context.Background(), "http://127.0.0.1/", nil); err == nil {
			t.Errorf("%+v: NewRequest: no error", s)
		}
	}
	if _, err := webhookstest.Sign("p", ""); err == nil {
		t.Error("Sign with empty secret")
	}
	tok, err := webhookstest.Sign("p", "s")
	if err != nil || strings.Count(tok, ".") != 2 {
		t.Errorf("Sign = %q, %v", tok, err)
	}
}
