package webhooks

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Header names of a Partner webhook delivery.
const (
	// HeaderPartnerID carries the partner ID the delivery is for.
	HeaderPartnerID = "X-TL-Partner-Id"
	// HeaderSignature carries the HS256 JWT signed with the Partner Secret.
	HeaderSignature = "X-TL-Signature"
)

// maxTokenBytes bounds the X-TL-Signature value; genuine tokens are about
// 150 bytes.
const maxTokenBytes = 4096

// signingAlgorithm is the only accepted JWT "alg".
const signingAlgorithm = "HS256"

// Claims is the verified content of an X-TL-Signature token.
type Claims struct {
	// PartnerID is the partner_id claim, equal to the X-TL-Partner-Id header
	// and to the configured partner ID.
	PartnerID string `json:"partner_id"`
	// NotBefore is the nbf claim (TimelinesAI sets it 3 minutes in the past).
	NotBefore time.Time `json:"nbf"`
	// ExpiresAt is the exp claim (TimelinesAI sets it 3 minutes ahead). The
	// same delivery can be replayed until ExpiresAt plus the leeway.
	ExpiresAt time.Time `json:"exp"`
}

// Verifier checks the X-TL-Signature and X-TL-Partner-Id headers of Partner
// webhook deliveries. Create it once with [NewVerifier]; it is safe for
// concurrent use. Printing a Verifier with the fmt or slog packages shows
// the partner ID and the number of secrets, never the secrets.
type Verifier struct {
	partnerID string
	keys      jwt.VerificationKeySet
	parser    *jwt.Parser
	leeway    time.Duration
}

// NewVerifier returns a Verifier for deliveries addressed to partnerID and
// signed with secret (the Partner Secret) or with any secret added by
// [WithSecrets]. partnerID and secret must not be empty. Options:
// [WithSecrets], [WithLeeway], [WithClock]; invalid input gives a
// *[ValidationError].
func NewVerifier(partnerID, secret string, opts ...Option) (*Verifier, error) {
	cfg, err := apply(opts, false)
	if err != nil {
		return nil, err
	}
	return newVerifier(partnerID, secret, &cfg)
}

func newVerifier(partnerID, secret string, cfg *config) (*Verifier, error) {
	if partnerID == "" {
		return nil, invalid("partnerID", "must not be empty")
	}
	if secret == "" {
		return nil, invalid("secret", "must not be empty")
	}
	secrets := append([]string{secret}, cfg.secrets...)
	keys := make([]jwt.VerificationKey, len(secrets))
	for i, s := range secrets {
		keys[i] = []byte(s)
	}
	v := &Verifier{
		partnerID: partnerID,
		keys:      jwt.VerificationKeySet{Keys: keys},
		leeway:    cfg.leeway,
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{signingAlgorithm}),
		jwt.WithExpirationRequired(),
		jwt.WithNotBeforeRequired(),
		jwt.WithLeeway(cfg.leeway),
		jwt.WithTimeFunc(cfg.now),
	)
	return v, nil
}

// PartnerID returns the partner ID the Verifier accepts.
func (v *Verifier) PartnerID() string { return v.partnerID }

// errUnexpectedAlg is returned by the key function; WithValidMethods
// already filters, this is a second line of defence.
var errUnexpectedAlg = errors.New("unexpected signing algorithm")

// key returns the HMAC keys, and only for HS256 tokens. It never returns a
// public key, so a token signed with RS/ES/PS/EdDSA cannot verify even if a
// PEM public key was configured as the secret.
func (v *Verifier) key(t *jwt.Token) (any, error) {
	if m, ok := t.Method.(*jwt.SigningMethodHMAC); !ok || m != jwt.SigningMethodHS256 {
		return nil, errUnexpectedAlg
	}
	return v.keys, nil
}

// Verify checks the delivery headers: X-TL-Signature must be an HS256 JWT
// signed with a configured secret, with exp and nbf present and valid (within
// the leeway) and a partner_id claim equal to the X-TL-Partner-Id header and
// to the configured partner ID. Header names are matched case-insensitively;
// a header that appears more than once, also under keys that differ only in
// case (as a hand-built http.Header may hold), is refused.
//
// The token does not cover the body; see the package documentation. On
// failure the error wraps one of [ErrMissingHeader], [ErrInvalidSignature],
// [ErrExpired], [ErrNotYetValid], [ErrMissingClaim] or [ErrPartnerMismatch].
func (v *Verifier) Verify(header http.Header) (*Claims, error) {
	sigs := headerValues(header, HeaderSignature)
	if len(sigs) == 0 || strings.TrimSpace(sigs[0]) == "" {
		return nil, fmt.Errorf("%w: %s", ErrMissingHeader, HeaderSignature)
	}
	if len(sigs) > 1 {
		return nil, fmt.Errorf("%w: more than one %s header", ErrInvalidSignature, HeaderSignature)
	}
	pids := headerValues(header, HeaderPartnerID)
	if len(pids) == 0 || strings.TrimSpace(pids[0]) == "" {
		return nil, fmt.Errorf("%w: %s", ErrMissingHeader, HeaderPartnerID)
	}
	if len(pids) > 1 {
		return nil, fmt.Errorf("%w: more than one %s header", ErrPartnerMismatch, HeaderPartnerID)
	}
	headerPartner := strings.TrimSpace(pids[0])

	tok := strings.TrimSpace(sigs[0])
	if len(tok) > 7 && strings.EqualFold(tok[:7], "bearer ") {
		tok = strings.TrimSpace(tok[7:])
	}
	if len(tok) > maxTokenBytes {
		return nil, fmt.Errorf("%w: token too long", ErrInvalidSignature)
	}

	var c tokenClaims
	t, err := v.parser.ParseWithClaims(tok, &c, v.key)
	if err != nil {
		return nil, v.mapError(err, t, &c)
	}
	if c.NotBefore == nil {
		return nil, fmt.Errorf("%w: nbf", ErrMissingClaim)
	}
	if c.ExpiresAt == nil {
		return nil, fmt.Errorf("%w: exp", ErrMissingClaim)
	}
	var claimPartner string
	if isNull(c.PartnerID) || c.PartnerID[0] != '"' || json.Unmarshal(c.PartnerID, &claimPartner) != nil || claimPartner == "" {
		return nil, fmt.Errorf("%w: partner_id", ErrMissingClaim)
	}
	if !equal(claimPartner, headerPartner) {
		return nil, fmt.Errorf("%w: partner_id claim differs from the %s header", ErrPartnerMismatch, HeaderPartnerID)
	}
	if !equal(claimPartner, v.partnerID) {
		return nil, fmt.Errorf("%w: delivery is for another partner", ErrPartnerMismatch)
	}
	return &Claims{
		PartnerID: claimPartner,
		NotBefore: c.NotBefore.Time,
		ExpiresAt: c.ExpiresAt.Time,
	}, nil
}

// ConstructEvent verifies header with [Verifier.Verify] and, when that
// succeeds, parses body with [Parse].
func (v *Verifier) ConstructEvent(header http.Header, body []byte) (Event, error) {
	if _, err := v.Verify(header); err != nil {
		return nil, err
	}
	return Parse(body)
}

// ConstructEvent verifies a delivery and parses its body, for receivers that
// use their own router instead of [Handler]. header and body are the raw
// request headers and body; partnerID and secret are the Partner ID and
// Partner Secret TimelinesAI issued. Errors wrap the sentinels listed in
// [Verifier.Verify], or [ErrMalformedBody]. Answer verification errors
// with 401, [ErrMalformedBody] with 400, and 200 once the event is handled.
//
// ConstructEvent builds a [Verifier] on every call; a long-running receiver
// may keep one from [NewVerifier] instead.
func ConstructEvent(header http.Header, body []byte, partnerID, secret string, opts ...Option) (Event, error) {
	v, err := NewVerifier(partnerID, secret, opts...)
	if err != nil {
		return nil, err
	}
	return v.ConstructEvent(header, body)
}

func (v *Verifier) mapError(err error, t *jwt.Token, c *tokenClaims) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fmt.Errorf("%w: malformed token", ErrInvalidSignature)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return fmt.Errorf("%w: unsupported or missing signing algorithm", ErrInvalidSignature)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		if t != nil && t.Method != nil && t.Method.Alg() != signingAlgorithm {
			// Alg names reaching here are registered ones, safe to print.
			return fmt.Errorf("%w: signing algorithm %q is not %s", ErrInvalidSignature, t.Method.Alg(), signingAlgorithm)
		}
		return fmt.Errorf("%w: signature does not match any configured secret", ErrInvalidSignature)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		switch {
		case c.ExpiresAt == nil:
			return fmt.Errorf("%w: exp", ErrMissingClaim)
		default:
			return fmt.Errorf("%w: nbf", ErrMissingClaim)
		}
	case errors.Is(err, jwt.ErrTokenExpired):
		return fmt.Errorf("%w: exp %s, leeway %s", ErrExpired, c.ExpiresAt.UTC().Format(time.RFC3339), v.leeway)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return fmt.Errorf("%w: nbf %s, leeway %s", ErrNotYetValid, c.NotBefore.UTC().Format(time.RFC3339), v.leeway)
	}
	return fmt.Errorf("%w: token rejected", ErrInvalidSignature)
}

// tokenClaims decodes only the documented claims; other claims, whatever
// their type, are ignored.
type tokenClaims struct {
	PartnerID json.RawMessage  `json:"partner_id"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
	NotBefore *jwt.NumericDate `json:"nbf"`
}

func (c *tokenClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c *tokenClaims) GetNotBefore() (*jwt.NumericDate, error)      { return c.NotBefore, nil }
func (c *tokenClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c *tokenClaims) GetIssuer() (string, error)                   { return "", nil }
func (c *tokenClaims) GetSubject() (string, error)                  { return "", nil }
func (c *tokenClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// equal compares in constant time (for equal lengths).
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// headerValues returns every value of name, also when h was built by hand
// with non-canonical keys (for example lower-case keys from a serverless
// gateway). Values stored under keys that differ only in case are all
// returned, so that Verify refuses them like a repeated header instead of
// picking one of them in map order.
func headerValues(h http.Header, name string) []string {
	var out []string
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, name) {
			out = append(out, v...)
		}
	}
	return out
}

// String returns a redacted description of the Verifier.
func (v Verifier) String() string {
	return fmt.Sprintf("webhooks.Verifier{PartnerID: %q, Secrets: %d (redacted), Leeway: %s}", v.partnerID, len(v.keys.Keys), v.leeway)
}

// GoString returns the same redacted description as String.
func (v Verifier) GoString() string { return v.String() }

// Format writes the redacted description for every fmt verb, so that no
// verb prints the secrets.
func (v Verifier) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, v.String()) }

// LogValue returns the redacted description for log/slog.
func (v Verifier) LogValue() slog.Value { return slog.StringValue(v.String()) }
