package webhooks_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

const (
	testPartner = "partner_12345"
	testSecret  = "tl-test-partner-secret-7f3a9c"
)

var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func testClock() time.Time { return testNow }

// testSigner signs like TimelinesAI at testNow.
var testSigner = webhookstest.Signer{PartnerID: testPartner, Secret: testSecret, Now: testClock}

var sentinels = []error{
	webhooks.ErrMissingHeader, webhooks.ErrInvalidSignature, webhooks.ErrExpired,
	webhooks.ErrNotYetValid, webhooks.ErrMissingClaim, webhooks.ErrPartnerMismatch,
	webhooks.ErrMalformedBody,
}

// claims returns the TimelinesAI claim set at testNow, changed by mod.
func claims(mod func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"partner_id": testPartner,
		"nbf":        testNow.Add(-3 * time.Minute).Unix(),
		"exp":        testNow.Add(3 * time.Minute).Unix(),
	}
	if mod != nil {
		mod(c)
	}
	return c
}

func sign(t testing.TB, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawToken builds a token with an arbitrary header, HMAC-SHA256-signed with
// key (for algorithm-confusion cases the library refuses to produce).
func rawToken(t testing.TB, header map[string]any, c jwt.MapClaims, key []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

func hdr(partner, token string) http.Header {
	h := http.Header{}
	if partner != "" {
		h.Set(webhooks.HeaderPartnerID, partner)
	}
	if token != "" {
		h.Set(webhooks.HeaderSignature, token)
	}
	return h
}

type asymKeys struct {
	rsa       *rsa.PrivateKey
	rsaPEM    string
	ec        *ecdsa.PrivateKey
	ed        ed25519.PrivateKey
	edPEMText string
}

var (
	asymOnce sync.Once
	asym     asymKeys
)

func keys(t testing.TB) *asymKeys {
	t.Helper()
	asymOnce.Do(func() {
		var err error
		if asym.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&asym.rsa.PublicKey)
		if err != nil {
			panic(err)
		}
		asym.rsaPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		if asym.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if _, asym.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
		der, err = x509.MarshalPKIXPublicKey(asym.ed.Public())
		if err != nil {
			panic(err)
		}
		asym.edPEMText = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	})
	return &asym
}

type verifyCase struct {
	name    string
	header  http.Header
	secret  string // configured secret; default testSecret
	opts    []webhooks.Option
	wantErr error // nil = accepted
}

func verifyCases(t testing.TB) []verifyCase {
	k := keys(t)
	genuine, err := testSigner.Token()
	if err != nil {
		t.Fatal(err)
	}
	hs := func(mod func(jwt.MapClaims)) string {
		return sign(t, jwt.SigningMethodHS256, []byte(testSecret), claims(mod))
	}
	at := func(d time.Duration) func(jwt.MapClaims) {
		return func(c jwt.MapClaims) {
			c["nbf"] = testNow.Add(d - 3*time.Minute).Unix()
			c["exp"] = testNow.Add(d + 3*time.Minute).Unix()
		}
	}
	del := func(name string) func(jwt.MapClaims) { return func(c jwt.MapClaims) { delete(c, name) } }
	set := func(name string, v any) func(jwt.MapClaims) { return func(c jwt.MapClaims) { c[name] = v } }
	tampered := func() string {
		parts := strings.Split(genuine, ".")
		p, _ := json.Marshal(claims(set("partner_id", "attacker")))
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]
	}
	lower := http.Header{"x-tl-signature": {genuine}, "x-tl-partner-id": {testPartner}}

	return []verifyCase{
		// Accepted.
		{name: "genuine", header: hdr(testPartner, genuine)},
		{name: "bearer prefix tolerated", header: hdr(testPartner, "Bearer "+genuine)},
		{name: "non-canonical header keys", header: lower},
		{name: "expired within leeway", header: hdr(testPartner, hs(at(-3*time.Minute-29*time.Second)))},
		{name: "not yet valid within leeway", header: hdr(testPartner, hs(at(3*time.Minute+29*time.Second)))},
		{name: "fractional exp and nbf", header: hdr(testPartner, hs(func(c jwt.MapClaims) {
			c["exp"] = float64(testNow.Unix()) + 0.5
			c["nbf"] = float64(testNow.Unix()) - 0.5
		}))},
		{name: "extra claims of any type ignored", header: hdr(testPartner, hs(func(c jwt.MapClaims) { c["aud"] = 5; c["iat"] = testNow.Add(time.Hour).Unix(); c["iss"] = []int{1} }))},
		{name: "rotated secret in WithSecrets", header: hdr(testPartner, genuine), secret: "new-secret", opts: []webhooks.Option{webhooks.WithSecrets("older", testSecret)}},

		// Signature and algorithm.
		{name: "wrong secret", header: hdr(testPartner, genuine), secret: "another-secret", wantErr: webhooks.ErrInvalidSignature},
		{name: "alg none", header: hdr(testPartner, sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil))), wantErr: webhooks.ErrInvalidSignature},
		{name: "alg none with empty signature by hand", header: hdr(testPartner, strings.Join(strings.Split(sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)), ".")[:2], ".")+"."), wantErr: webhooks.ErrInvalidSignature},
		{name: "HS384", header: hdr(testPartner, sign(t, jwt.SigningMethodHS384, []byte(testSecret), claims(nil))), wantErr: webhooks.ErrInvalidSignature},
		{name: "HS512", header: hdr(testPartner, sign(t, jwt.SigningMethodHS512, []byte(testSecret), claims(nil))), wantErr: webhooks.ErrInvalidSignature},
		{name: "RS256", header: hdr(testPartner, sign(t, jwt.SigningMethodRS256, k.rsa, claims(nil))), wantErr: webhooks.ErrInvalidSignature},
		{name: "RS256 with PEM public key as secret", header: hdr(testPartner, sign(t, jwt.SigningMethodRS256, k.rsa, claims(nil))), secret: k.rsaPEM, wantErr: webhooks.ErrInvalidSignature},
		{name: "PS256 with PEM public key as secret", header: hdr(testPartner, sign(t, jwt.SigningMethodPS256, k.rsa, claims(nil))), secret: k.rsaPEM, wantErr: webhooks.ErrInvalidSignature},
		{name: "ES256", header: hdr(testPartner, sign(t, jwt.SigningMethodES256, k.ec, claims(nil))), wantErr: webhooks.ErrInvalidSignature},
		{name: "EdDSA with PEM public key as secret", header: hdr(testPartner, sign(t, jwt.SigningMethodEdDSA, k.ed, claims(nil))), secret: k.edPEMText, wantErr: webhooks.ErrInvalidSignature},
		{name: "RS256 header HMAC-signed with the PEM public key", header: hdr(testPartner, rawToken(t, map[string]any{"alg": "RS256", "typ": "JWT"}, claims(nil), []byte(k.rsaPEM))), secret: k.rsaPEM, wantErr: webhooks.ErrInvalidSignature},
		{name: "lower-case alg", header: hdr(testPartner, rawToken(t, map[string]any{"alg": "hs256"}, claims(nil), []byte(testSecret))), wantErr: webhooks.ErrInvalidSignature},
		{name: "alg missing", header: hdr(testPartner, rawToken(t, map[string]any{"typ": "JWT"}, claims(nil), []byte(testSecret))), wantErr: webhooks.ErrInvalidSignature},
		{name: "tampered claims", header: hdr(testPartner, tampered()), wantErr: webhooks.ErrInvalidSignature},
		{name: "not a JWT", header: hdr(testPartner, "not-a-jwt"), wantErr: webhooks.ErrInvalidSignature},
		{name: "three garbage segments", header: hdr(testPartner, "a.b.c"), wantErr: webhooks.ErrInvalidSignature},
		{name: "oversized token", header: hdr(testPartner, genuine+strings.Repeat("A", 5000)), wantErr: webhooks.ErrInvalidSignature},
		{name: "exp not a number", header: hdr(testPartner, hs(set("exp", "tomorrow"))), wantErr: webhooks.ErrInvalidSignature},
		{name: "two signature headers", header: http.Header{"X-Tl-Signature": {genuine, genuine}, "X-Tl-Partner-Id": {testPartner}}, wantErr: webhooks.ErrInvalidSignature},

		// Time.
		{name: "expired", header: hdr(testPartner, hs(at(-3*time.Minute-31*time.Second))), wantErr: webhooks.ErrExpired},
		{name: "expired long ago", header: hdr(testPartner, hs(at(-24*time.Hour))), wantErr: webhooks.ErrExpired},
		{name: "not yet valid", header: hdr(testPartner, hs(at(3*time.Minute+31*time.Second))), wantErr: webhooks.ErrNotYetValid},
		{name: "expired with zero leeway", header: hdr(testPartner, hs(set("exp", testNow.Add(-time.Second).Unix()))), opts: []webhooks.Option{webhooks.WithLeeway(0)}, wantErr: webhooks.ErrExpired},
		{name: "not yet valid with zero leeway", header: hdr(testPartner, hs(set("nbf", testNow.Add(time.Second).Unix()))), opts: []webhooks.Option{webhooks.WithLeeway(0)}, wantErr: webhooks.ErrNotYetValid},
		{name: "larger leeway accepts", header: hdr(testPartner, hs(at(-4*time.Minute))), opts: []webhooks.Option{webhooks.WithLeeway(2 * time.Minute)}},
		{name: "clock option", header: hdr(testPartner, genuine), opts: []webhooks.Option{webhooks.WithClock(func() time.Time { return testNow.Add(time.Hour) })}, wantErr: webhooks.ErrExpired},

		// Claims.
		{name: "missing exp", header: hdr(testPartner, hs(del("exp"))), wantErr: webhooks.ErrMissingClaim},
		{name: "missing nbf", header: hdr(testPartner, hs(del("nbf"))), wantErr: webhooks.ErrMissingClaim},
		{name: "missing partner_id", header: hdr(testPartner, hs(del("partner_id"))), wantErr: webhooks.ErrMissingClaim},
		{name: "empty partner_id", header: hdr(testPartner, hs(set("partner_id", ""))), wantErr: webhooks.ErrMissingClaim},
		{name: "numeric partner_id", header: hdr(testPartner, hs(set("partner_id", 12345))), wantErr: webhooks.ErrMissingClaim},
		{name: "null partner_id", header: hdr(testPartner, hs(set("partner_id", nil))), wantErr: webhooks.ErrMissingClaim},

		// Partner ID.
		{name: "claim differs from header and configured", header: hdr(testPartner, hs(set("partner_id", "other-partner"))), wantErr: webhooks.ErrPartnerMismatch},
		{name: "claim and header agree, configured differs", header: hdr("other-partner", hs(set("partner_id", "other-partner"))), wantErr: webhooks.ErrPartnerMismatch},
		{name: "claim is configured, header differs", header: hdr("other-partner", genuine), wantErr: webhooks.ErrPartnerMismatch},
		{name: "partner id differs only in case", header: hdr("PARTNER_12345", hs(set("partner_id", "PARTNER_12345"))), wantErr: webhooks.ErrPartnerMismatch},
		{name: "partner id prefix", header: hdr("partner_1234", hs(set("partner_id", "partner_1234"))), wantErr: webhooks.ErrPartnerMismatch},
		{name: "two partner headers", header: http.Header{"X-Tl-Signature": {genuine}, "X-Tl-Partner-Id": {testPartner, "other"}}, wantErr: webhooks.ErrPartnerMismatch},

		// Headers.
		{name: "no headers", header: http.Header{}, wantErr: webhooks.ErrMissingHeader},
		{name: "nil header", header: nil, wantErr: webhooks.ErrMissingHeader},
		{name: "missing signature", header: hdr(testPartner, ""), wantErr: webhooks.ErrMissingHeader},
		{name: "missing partner id", header: hdr("", genuine), wantErr: webhooks.ErrMissingHeader},
		{name: "blank signature", header: http.Header{"X-Tl-Signature": {"  "}, "X-Tl-Partner-Id": {testPartner}}, wantErr: webhooks.ErrMissingHeader},
		{name: "blank partner id", header: http.Header{"X-Tl-Signature": {genuine}, "X-Tl-Partner-Id": {""}}, wantErr: webhooks.ErrMissingHeader},
	}
}

func TestVerify(t *testing.T) {
	for _, tc := range verifyCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			secret := tc.secret
			if secret == "" {
				secret = testSecret
			}
			opts := append([]webhooks.Option{webhooks.WithClock(testClock)}, tc.opts...)
			v, err := webhooks.NewVerifier(testPartner, secret, opts...)
			if err != nil {
				t.Fatal(err)
			}
			claims, err := v.Verify(tc.header)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if claims.PartnerID != testPartner || claims.ExpiresAt.IsZero() || claims.NotBefore.IsZero() {
					t.Errorf("claims = %+v", claims)
				}
				return
			}
			if claims != nil {
				t.Errorf("claims %+v returned with error", claims)
			}
			assertOnlySentinel(t, err, tc.wantErr)
			assertNoSecrets(t, err.Error(), tc.header, secret)
		})
	}
}

// assertOnlySentinel checks that err matches want and no other sentinel.
func assertOnlySentinel(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Errorf("err %v also matches %v", err, s)
		}
	}
	if !strings.HasPrefix(err.Error(), "webhooks: ") {
		t.Errorf("error %q lacks the package prefix", err)
	}
}

// assertNoSecrets fails when text contains a secret or any token segment.
func assertNoSecrets(t *testing.T, text string, h http.Header, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("text contains a secret: %q", text)
		}
	}
	for k, vs := range h {
		if !strings.EqualFold(k, webhooks.HeaderSignature) {
			continue
		}
		for _, v := range vs {
			for _, seg := range strings.Split(strings.TrimPrefix(v, "Bearer "), ".") {
				if len(seg) >= 8 && strings.Contains(text, seg) {
					t.Errorf("text contains token segment %q: %q", seg, text)
				}
			}
		}
	}
}

func TestVerifierDefaultsUseRealClock(t *testing.T) {
	v, err := webhooks.NewVerifier(testPartner, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	h, err := webhookstest.Signer{PartnerID: testPartner, Secret: testSecret}.Header()
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(h)
	if err != nil {
		t.Fatal(err)
	}
	if life := c.ExpiresAt.Sub(c.NotBefore); life != 6*time.Minute {
		t.Errorf("token window = %s, want 6m", life)
	}
	// testSigner's tokens are from 2026-11-21 12:00 and long expired for a
	// real clock only if the test runs later; use a signer far in the past.
	old := webhookstest.Signer{PartnerID: testPartner, Secret: testSecret, Now: func() time.Time { return time.Now().Add(-time.Hour) }}
	h, err = old.Header()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(h); !errors.Is(err, webhooks.ErrExpired) {
		t.Errorf("old token: %v", err)
	}
	if v.PartnerID() != testPartner {
		t.Errorf("PartnerID = %q", v.PartnerID())
	}
}

func TestConstructEvent(t *testing.T) {
	h, err := testSigner.Header()
	if err != nil {
		t.Fatal(err)
	}
	body := readFixture(t, "whatsapp_account_connected.json")
	e, err := webhooks.ConstructEvent(h, body, testPartner, testSecret, webhooks.WithClock(testClock))
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := e.(*webhooks.WhatsAppAccountConnected); !ok || c.UserID != 98765 {
		t.Fatalf("event = %#v", e)
	}

	// Verification happens before parsing: a forged delivery with a broken
	// body reports the signature problem.
	_, err = webhooks.ConstructEvent(hdr(testPartner, "x.y.z"), []byte("{"), testPartner, testSecret, webhooks.WithClock(testClock))
	assertOnlySentinel(t, err, webhooks.ErrInvalidSignature)

	// A genuine delivery with a broken body is ErrMalformedBody.
	_, err = webhooks.ConstructEvent(h, []byte("{"), testPartner, testSecret, webhooks.WithClock(testClock))
	assertOnlySentinel(t, err, webhooks.ErrMalformedBody)

	// Configuration errors are not sentinel errors.
	for _, tc := range []struct {
		partner, secret string
		opts            []webhooks.Option
		field           string
	}{
		{"", testSecret, nil, "partnerID"},
		{testPartner, "", nil, "secret"},
		{testPartner, testSecret, []webhooks.Option{webhooks.WithSecrets("")}, "WithSecrets"},
		{testPartner, testSecret, []webhooks.Option{webhooks.WithLeeway(-time.Second)}, "WithLeeway"},
	} {
		_, err := webhooks.ConstructEvent(h, body, tc.partner, tc.secret, tc.opts...)
		if err == nil {
			t.Errorf("ConstructEvent(%q, %q, %d opts) accepted a bad configuration", tc.partner, tc.secret, len(tc.opts))
			continue
		}
		assertValidation(t, err, tc.field)
		for _, s := range sentinels {
			if errors.Is(err, s) {
				t.Errorf("configuration error %v matches %v", err, s)
			}
		}
	}
	// A nil option is ignored.
	if _, err := webhooks.ConstructEvent(h, body, testPartner, testSecret, nil, webhooks.WithClock(testClock)); err != nil {
		t.Errorf("nil option: %v", err)
	}
}

func TestSecretRotation(t *testing.T) {
	const oldSecret, newSecret = "old-partner-secret", "new-partner-secret"
	tokenFor := func(secret string) http.Header {
		h, err := webhookstest.Signer{PartnerID: testPartner, Secret: secret, Now: testClock}.Header()
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	// Phase 1: old secret only. Phase 2: both. Phase 3: new only.
	phases := []struct {
		name     string
		primary  string
		extra    []string
		accepted map[string]bool
	}{
		{"before", oldSecret, nil, map[string]bool{oldSecret: true, newSecret: false}},
		{"during", newSecret, []string{oldSecret}, map[string]bool{oldSecret: true, newSecret: true}},
		{"after", newSecret, nil, map[string]bool{oldSecret: false, newSecret: true}},
	}
	for _, p := range phases {
		v, err := webhooks.NewVerifier(testPartner, p.primary, webhooks.WithSecrets(p.extra...), webhooks.WithClock(testClock))
		if err != nil {
			t.Fatal(err)
		}
		for secret, ok := range p.accepted {
			_, err := v.Verify(tokenFor(secret))
			if ok && err != nil {
				t.Errorf("%s: token signed with %s rejected: %v", p.name, secret, err)
			}
			if !ok && !errors.Is(err, webhooks.ErrInvalidSignature) {
				t.Errorf("%s: token signed with %s: err = %v, want ErrInvalidSignature", p.name, secret, err)
			}
		}
		if _, err := v.Verify(tokenFor("unrelated")); !errors.Is(err, webhooks.ErrInvalidSignature) {
			t.Errorf("%s: unrelated secret: %v", p.name, err)
		}
	}
	// WithSecrets given twice accumulates.
	v, err := webhooks.NewVerifier(testPartner, "x", webhooks.WithSecrets(oldSecret), webhooks.WithSecrets(newSecret), webhooks.WithClock(testClock))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{oldSecret, newSecret} {
		if _, err := v.Verify(tokenFor(s)); err != nil {
			t.Errorf("accumulated secret %s: %v", s, err)
		}
	}
}

func TestVerifierNeverPrintsSecrets(t *testing.T) {
	v, err := webhooks.NewVerifier(testPartner, testSecret, webhooks.WithSecrets("second-secret-value"))
	if err != nil {
		t.Fatal(err)
	}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		outs = append(outs, fmt.Sprintf(verb, v), fmt.Sprintf(verb, *v))
	}
	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("verifier", "v", v)
	outs = append(outs, buf.String())
	hexSecret := fmt.Sprintf("%x", testSecret)
	for _, o := range outs {
		if strings.Contains(o, testSecret) || strings.Contains(o, "second-secret-value") || strings.Contains(o, hexSecret) {
			t.Errorf("output leaks a secret: %q", o)
		}
		if !strings.Contains(o, testPartner) {
			t.Errorf("output %q lacks the partner ID", o)
		}
	}
	h, err := webhooks.NewHandler(testPartner, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		if o := fmt.Sprintf(verb, h); strings.Contains(o, testSecret) {
			t.Errorf("Handler output leaks the secret: %q", o)
		}
	}
}

func TestHeaderConstantsMatchSigner(t *testing.T) {
	if webhooks.HeaderPartnerID != webhookstest.HeaderPartnerID || webhooks.HeaderSignature != webhookstest.HeaderSignature {
		t.Error("header constants differ between webhooks and webhookstest")
	}
}

// Compile-time check that the asymmetric keys satisfy crypto.Signer, so the
// algorithm-confusion cases sign with real keys.
var _ = []crypto.Signer{(*rsa.PrivateKey)(nil), (*ecdsa.PrivateKey)(nil), ed25519.PrivateKey(nil)}

// TestVerifyRefusesCaseVariantDuplicates: a hand-built header (as some
// serverless gateways produce) may hold the same header under keys that
// differ only in case. Verify must refuse such a delivery like a repeated
// header, every time: before the fix the outcome depended on map order.
func TestVerifyRefusesCaseVariantDuplicates(t *testing.T) {
	t.Parallel()
	genuine, err := testSigner.Token()
	if err != nil {
		t.Fatal(err)
	}
	v, err := webhooks.NewVerifier(testPartner, testSecret, webhooks.WithClock(testClock))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		header  http.Header
		wantErr error
	}{
		{"signature: valid and junk, both non-canonical", http.Header{"x-tl-signature": {genuine}, "X-TL-SIGNATURE": {"junk"}, "X-Tl-Partner-Id": {testPartner}}, webhooks.ErrInvalidSignature},
		{"signature: canonical valid, variant junk", http.Header{"X-Tl-Signature": {genuine}, "x-tl-signature": {"junk"}, "X-Tl-Partner-Id": {testPartner}}, webhooks.ErrInvalidSignature},
		{"signature: the same valid token twice", http.Header{"x-tl-signature": {genuine}, "X-TL-Signature": {genuine}, "x-tl-partner-id": {testPartner}}, webhooks.ErrInvalidSignature},
		{"partner id: two values in two spellings", http.Header{"X-Tl-Signature": {genuine}, "x-tl-partner-id": {testPartner}, "X-TL-PARTNER-ID": {"other"}}, webhooks.ErrPartnerMismatch},
		{"partner id: canonical and variant agree", http.Header{"X-Tl-Signature": {genuine}, "X-Tl-Partner-Id": {testPartner}, "x-tl-partner-id": {testPartner}}, webhooks.ErrPartnerMismatch},
	}
	for _, tc := range cases {
		accepted := 0
		for range 200 {
			claims, err := v.Verify(tc.header)
			if err == nil {
				accepted++
				continue
			}
			if claims != nil {
				t.Fatalf("%s: claims returned with error", tc.name)
			}
			assertOnlySentinel(t, err, tc.wantErr)
		}
		if accepted > 0 {
			t.Errorf("%s: accepted %d of 200 times", tc.name, accepted)
		}
	}
	// A case-variant key without values is no header at all.
	h := http.Header{"x-tl-signature": {genuine}, "X-TL-SIGNATURE": nil, "X-Tl-Partner-Id": {testPartner}}
	for range 50 {
		if _, err := v.Verify(h); err != nil {
			t.Fatalf("empty variant key: %v", err)
		}
	}
}
