package tlpartner

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

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

// signingKey is the HMAC key (the Partner Secret) plus the part of every
// token's claims that never changes for a client, computed once in
// [NewClient].
type signingKey struct {
	secret []byte
	// claimsPrefix is `{"partner_id":<partner ID as JSON>,"nbf":`.
	claimsPrefix []byte
}

func newSigningKey(partnerID, secret string) (*signingKey, error) {
	id, err := json.Marshal(partnerID)
	if err != nil {
		return nil, err
	}
	prefix := append([]byte(`{"partner_id":`), id...)
	prefix = append(prefix, `,"nbf":`...)
	return &signingKey{secret: []byte(secret), claimsPrefix: prefix}, nil
}

// jwtHeaderSegment is the encoded JOSE header golang-jwt writes for HS256
// tokens ({"alg":"HS256","typ":"JWT"}); it is the same for every token.
var jwtHeaderSegment = func() string {
	s, err := jwt.New(jwt.SigningMethodHS256).SigningString()
	if err != nil {
		panic(err)
	}
	return s[:strings.IndexByte(s, '.')]
}()

// mintToken returns a fresh HS256 JWT for one HTTP attempt, with exactly
// the documented claims partner_id, nbf = now-lifetime and exp =
// now+lifetime (Unix seconds). The token is never cached: the docs ask for a
// new token on every request, and a retry that waited several seconds must
// not reuse a token that might be about to expire.
//
// This is the hot path of every call, so instead of marshalling the claims
// through reflection for each request it appends the two numbers to a
// prefix prepared once per client, then signs with golang-jwt's HS256
// method. The result is a standard compact JWS; the tests verify it with
// golang-jwt's parser.
func (c *Client) mintToken() (string, error) {
	now := c.now()
	k := c.key
	var claimsBuf [160]byte
	claims := append(claimsBuf[:0], k.claimsPrefix...)
	claims = strconv.AppendInt(claims, now.Add(-c.tokenLifetime).Unix(), 10)
	claims = append(claims, `,"exp":`...)
	claims = strconv.AppendInt(claims, now.Add(c.tokenLifetime).Unix(), 10)
	claims = append(claims, '}')

	enc := base64.RawURLEncoding
	tok := make([]byte, 0, len(jwtHeaderSegment)+1+enc.EncodedLen(len(claims))+1+enc.EncodedLen(sha256.Size))
	tok = append(tok, jwtHeaderSegment...)
	tok = append(tok, '.')
	tok = enc.AppendEncode(tok, claims)
	sig, err := jwt.SigningMethodHS256.Sign(string(tok), k.secret)
	if err != nil {
		return "", err
	}
	tok = append(tok, '.')
	tok = enc.AppendEncode(tok, sig)
	return string(tok), nil
}

// authorize sets the authentication headers on req for one attempt (the
// engine sets Accept, User-Agent and Content-Type) and returns the minted
// token, which the engine scrubs from any error of the attempt.
func (c *Client) authorize(req *http.Request) (string, error) {
	tok, err := c.mintToken()
	if err != nil {
		// The jwt error cannot contain the secret, but keep it generic anyway.
		return "", errSigning
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set(HeaderPartnerID, c.partnerID)
	return tok, nil
}
