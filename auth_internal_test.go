package tlpartner

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestMintTokenMatchesGolangJWT checks the hand-assembled token against
// golang-jwt: same header and claims as jwt.NewWithClaims would produce,
// and it verifies with the standard parser, for partner IDs that need JSON
// escaping.
func TestMintTokenMatchesGolangJWT(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	for _, id := range []string{"acme", `quote"back\\slash`, "</script>&", "ünïcødé-☃", "line\u2028separator", strings.Repeat("x", 300)} {
		c, err := NewClient(id, "the-secret", WithClock(func() time.Time { return now }), WithTokenLifetime(90*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.mintToken()
		if err != nil {
			t.Fatal(err)
		}
		claims := jwt.MapClaims{}
		tok, err := jwt.ParseWithClaims(got, claims, func(*jwt.Token) (any, error) { return []byte("the-secret"), nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if tok.Header["alg"] != "HS256" || tok.Header["typ"] != "JWT" || len(tok.Header) != 2 {
			t.Errorf("%q: header %v", id, tok.Header)
		}
		want := jwt.MapClaims{"partner_id": id, "nbf": float64(now.Unix() - 90), "exp": float64(now.Unix() + 90)}
		if len(claims) != 3 || claims["partner_id"] != want["partner_id"] || claims["nbf"] != want["nbf"] || claims["exp"] != want["exp"] {
			t.Errorf("%q: claims %v, want %v", id, claims, want)
		}
		// Byte-for-byte the same as golang-jwt with an ordered claims struct.
		ref, err := jwt.NewWithClaims(jwt.SigningMethodHS256, orderedClaims{id, now.Unix() - 90, now.Unix() + 90}).SignedString([]byte("the-secret"))
		if err != nil {
			t.Fatal(err)
		}
		if got != ref {
			t.Errorf("%q:\n got %s\nwant %s", id, got, ref)
		}
	}
}

type orderedClaims struct {
	PartnerID string `json:"partner_id"`
	NBF       int64  `json:"nbf"`
	EXP       int64  `json:"exp"`
}

func (orderedClaims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (orderedClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (orderedClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (orderedClaims) GetIssuer() (string, error)                   { return "", nil }
func (orderedClaims) GetSubject() (string, error)                  { return "", nil }
func (orderedClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }
