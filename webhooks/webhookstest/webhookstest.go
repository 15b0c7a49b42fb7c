// Package webhookstest signs TimelinesAI Partner webhook deliveries the way
// TimelinesAI does, so that receivers built on package
// [github.com/tlpartner/tlpartner-go/webhooks] (or on anything else) can be
// unit-tested with genuine-looking requests.
//
//	s := webhookstest.Signer{PartnerID: "my-partner", Secret: secret}
//	req, err := s.NewRequest(ctx, "http://127.0.0.1/webhooks", body)
//	rec := httptest.NewRecorder()
//	handler.ServeHTTP(rec, req)
//
// A token is an HS256 JWT keyed with the Partner Secret, with exactly the
// claims partner_id, nbf (now minus the lifetime) and exp (now plus the
// lifetime); the default lifetime is 3 minutes, as in the TimelinesAI docs.
// The body is not part of the signature, exactly as with TimelinesAI.
package webhookstest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tlpartner/tlpartner-go/webhooks"
)

// Header names set on signed requests, the same as in package webhooks.
const (
	// HeaderPartnerID carries the partner ID ("X-TL-Partner-Id").
	HeaderPartnerID = webhooks.HeaderPartnerID
	// HeaderSignature carries the signed token ("X-TL-Signature").
	HeaderSignature = webhooks.HeaderSignature
)

// DefaultLifetime is the distance of nbf and exp from the signing time when
// [Signer.Lifetime] is zero.
const DefaultLifetime = 3 * time.Minute

// Signer produces X-TL-Signature tokens and signed requests. The zero
// values of Now and Lifetime mean [time.Now] and [DefaultLifetime]. A Signer
// is a plain value and safe for concurrent use.
type Signer struct {
	// PartnerID is put into the partner_id claim and the X-TL-Partner-Id
	// header. Required.
	PartnerID string
	// Secret is the Partner Secret used as the HMAC key. Required.
	Secret string
	// Now returns the signing time; nil means time.Now. Set it to produce
	// expired or not-yet-valid tokens.
	Now func() time.Time
	// Lifetime sets nbf = now-Lifetime and exp = now+Lifetime; zero means
	// DefaultLifetime.
	Lifetime time.Duration
}

type claims struct {
	PartnerID string `json:"partner_id"`
	jwt.RegisteredClaims
}

// Token returns a fresh X-TL-Signature token.
func (s Signer) Token() (string, error) {
	if s.PartnerID == "" {
		return "", errors.New("webhookstest: empty PartnerID")
	}
	if s.Secret == "" {
		return "", errors.New("webhookstest: empty Secret")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	life := s.Lifetime
	if life == 0 {
		life = DefaultLifetime
	}
	t := now()
	c := claims{
		PartnerID: s.PartnerID,
		RegisteredClaims: jwt.RegisteredClaims{
			NotBefore: jwt.NewNumericDate(t.Add(-life)),
			ExpiresAt: jwt.NewNumericDate(t.Add(life)),
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(s.Secret))
}

// Header returns the headers of a delivery: X-TL-Partner-Id, X-TL-Signature
// with a fresh token, and Content-Type application/json.
func (s Signer) Header() (http.Header, error) {
	tok, err := s.Token()
	if err != nil {
		return nil, err
	}
	h := make(http.Header, 3)
	h.Set(HeaderPartnerID, s.PartnerID)
	h.Set(HeaderSignature, tok)
	h.Set("Content-Type", "application/json")
	return h, nil
}

// NewRequest returns a POST request to url with body and the headers of
// [Signer.Header], ready for an http.Client or for calling ServeHTTP
// directly.
func (s Signer) NewRequest(ctx context.Context, url string, body []byte) (*http.Request, error) {
	h, err := s.Header()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return req, nil
}

// Sign returns a token for partnerID signed with secret, valid from 3
// minutes ago until 3 minutes from now.
func Sign(partnerID, secret string) (string, error) {
	return Signer{PartnerID: partnerID, Secret: secret}.Token()
}
