package webhooks_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tlpartner/tlpartner-go/webhooks"
)

// FuzzConstructEvent feeds arbitrary tokens, partner headers and bodies to
// ConstructEvent. It must never panic, every error must wrap exactly one
// sentinel without echoing the secret or the token, and an accepted delivery
// must pass an independent HS256 check written from the docs.
func FuzzConstructEvent(f *testing.F) {
	genuine, err := testSigner.Token()
	if err != nil {
		f.Fatal(err)
	}
	bodies := [][]byte{[]byte(`{"event_type":"workspace:seats_full"}`), []byte("{"), nil}
	for _, pattern := range []string{"testdata/*.json", "testdata/malformed/*.json"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			bodies = append(bodies, readFixture(f, strings.TrimPrefix(file, "testdata/")))
		}
	}
	for _, b := range bodies {
		f.Add(genuine, testPartner, b)
	}
	tokens := []string{
		"Bearer " + genuine,
		" " + genuine + " ",
		sign(f, jwt.SigningMethodHS512, []byte(testSecret), claims(nil)),
		sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)),
		sign(f, jwt.SigningMethodHS256, []byte(testSecret), claims(func(c jwt.MapClaims) { delete(c, "nbf") })),
		sign(f, jwt.SigningMethodHS256, []byte(testSecret), claims(func(c jwt.MapClaims) { c["exp"] = testNow.Add(-time.Hour).Unix() })),
		sign(f, jwt.SigningMethodHS256, []byte(testSecret), claims(func(c jwt.MapClaims) { c["partner_id"] = "other" })),
		sign(f, jwt.SigningMethodHS256, []byte("wrong"), claims(nil)),
		rawToken(f, map[string]any{"alg": "RS256"}, claims(nil), []byte(testSecret)),
		"", "a.b.c", "...", "eyJ.eyJ.", genuine[:len(genuine)-2],
	}
	for _, tok := range tokens {
		f.Add(tok, testPartner, bodies[0])
	}
	f.Add(genuine, "", bodies[0])
	f.Add(genuine, "other", bodies[0])

	v, err := webhooks.NewVerifier(testPartner, testSecret, webhooks.WithClock(testClock))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token, partner string, body []byte) {
		h := http.Header{}
		h.Set(webhooks.HeaderSignature, token)
		h.Set(webhooks.HeaderPartnerID, partner)
		e, err := v.ConstructEvent(h, body)
		if err != nil {
			if e != nil {
				t.Fatalf("event %T returned with error %v", e, err)
			}
			n := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("error %q matches %d sentinels", err, n)
			}
			msg := err.Error()
			if strings.Contains(msg, testSecret) || (len(token) >= 40 && strings.Contains(msg, token)) {
				t.Fatalf("error leaks secret or token: %q", msg)
			}
			return
		}
		if !referenceVerify(token, partner) {
			t.Fatalf("accepted a delivery the reference check rejects: token %q partner %q", token, partner)
		}
		want, perr := webhooks.Parse(body)
		if perr != nil || want.Type() != e.Type() || want.DedupKey() != e.DedupKey() {
			t.Fatalf("ConstructEvent and Parse disagree: %v / %v", e, perr)
		}
	})
}

// referenceVerify is an independent, deliberately plain reading of the docs:
// HS256 over "header.payload" keyed with the Partner Secret, exp and nbf
// present and within the 30 s leeway at testNow, partner_id equal to the
// header and to testPartner.
func referenceVerify(token, partner string) bool {
	token = strings.TrimSpace(token)
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	enc := base64.RawURLEncoding
	hb, err1 := enc.DecodeString(parts[0])
	pb, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(hb, &header) != nil || header.Alg != "HS256" {
		return false
	}
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return false
	}
	var c struct {
		PartnerID *string      `json:"partner_id"`
		Exp       *json.Number `json:"exp"`
		Nbf       *json.Number `json:"nbf"`
	}
	dec := json.NewDecoder(bytes.NewReader(pb))
	dec.UseNumber()
	if dec.Decode(&c) != nil || c.PartnerID == nil || c.Exp == nil || c.Nbf == nil {
		return false
	}
	exp, err1 := c.Exp.Float64()
	nbf, err2 := c.Nbf.Float64()
	if err1 != nil || err2 != nil {
		return false
	}
	now := float64(testNow.Unix())
	leeway := webhooks.DefaultLeeway.Seconds()
	if !(now < exp+leeway) || now < nbf-leeway {
		return false
	}
	return *c.PartnerID == testPartner && strings.TrimSpace(partner) == testPartner
}

// FuzzParse checks that Parse never panics and that every accepted body
// survives a marshal/parse round trip with the same type and dedup key.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/*.json", "testdata/malformed/*.json"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			f.Add(readFixture(f, strings.TrimPrefix(file, "testdata/")))
		}
	}
	f.Add([]byte(`{"event_type":"api_token:rotated","triggered_at":1e11,"rotated_at":-1}`))
	f.Add([]byte(`{"event_type":"workspace:quota_near_full:messaging","utilization_pct":"1e400"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := webhooks.Parse(body)
		if err != nil {
			if !errors.Is(err, webhooks.ErrMalformedBody) {
				t.Fatalf("error %v does not wrap ErrMalformedBody", err)
			}
			return
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("Marshal(%T): %v", e, err)
		}
		back, err := webhooks.Parse(b)
		if err != nil {
			t.Fatalf("Parse(Marshal) failed: %v\nbody %q\nmarshalled %q", err, body, b)
		}
		if back.Type() != e.Type() || back.DedupKey() != e.DedupKey() {
			t.Fatalf("round trip changed %s %q into %s %q", e.Type(), e.DedupKey(), back.Type(), back.DedupKey())
		}
	})
}
