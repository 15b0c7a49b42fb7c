package tlpartner

import (
	"net/http"

	"github.com/golang-jwt/jwt/v5"
)

// Header names used by the Partner API.
const (
	// HeaderPartnerID carries the partner identifier on every request (and
	// on every Partner webhook delivery).
	HeaderPartnerID = "X-TL-Partner-Id"
	// HeaderAPIVersion is the response header in which the server reports
	// the Partner API version (documented value "v1").
	HeaderAPIVersion = "X-TL-API-Version"
)

// signingKey is the HMAC key (the Partner Secret).
type signingKey struct{ secret []byte }

// partnerClaims is the documented claim set of a Partner API JWT:
// partner_id, nbf and exp (Unix seconds). Embedding RegisteredClaims makes
// the type a jwt.Claims; its other fields are empty and therefore omitted.
type partnerClaims struct {
	PartnerID string `json:"partner_id"`
	jwt.RegisteredClaims
}

// mintToken returns a fresh HS256 JWT for one HTTP attempt. The token is
// valid from now-lifetime until now+lifetime and is never cached: the docs
// ask for a new token on every request, and a retry that waited several
// seconds must not reuse a token that might be about to expire.
func (c *Client) mintToken() (string, error) {
	now := c.now()
	claims := partnerClaims{
		PartnerID: c.partnerID,
		RegisteredClaims: jwt.RegisteredClaims{
			NotBefore: jwt.NewNumericDate(now.Add(-c.tokenLifetime)),
			ExpiresAt: jwt.NewNumericDate(now.Add(c.tokenLifetime)),
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(c.key.secret)
}

// authorize sets the authentication and common headers on req for one
// attempt. Content-Type is set only when req has a body.
func (c *Client) authorize(req *http.Request) error {
	tok, err := c.mintToken()
	if err != nil {
		// The jwt error cannot contain the secret, but keep it generic anyway.
		return errSigning
	}
	h := req.Header
	h.Set("Authorization", "Bearer "+tok)
	h.Set(HeaderPartnerID, c.partnerID)
	h.Set("Accept", "application/json")
	h.Set("User-Agent", c.userAgent)
	if req.Body != nil && req.Body != http.NoBody {
		h.Set("Content-Type", "application/json")
	} else {
		h.Del("Content-Type")
	}
	return nil
}
