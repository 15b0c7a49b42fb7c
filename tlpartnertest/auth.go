package tlpartnertest

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tlpartner/tlpartner-go"
)

// headerRequestID is the response header carrying the fake's request id.
const headerRequestID = "X-Request-Id"

// Error codes the fake puts in the "error" field of its error envelope
// {"error": code, "status": N, "description": text}.
const (
	CodeMissingHeader              = "missing_header"                 // 401
	CodeTokenDecodeError           = "token_decode_error"             // 401
	CodeInvalidSignature           = "invalid_signature"              // 401
	CodeTimestampOutOfRange        = "timestamp_out_of_range"         // 401
	CodeMissingClaim               = "missing_claim"                  // 401
	CodePartnerNotFound            = "partner_not_found"              // 401
	CodePartnerNotActive           = "partner_not_active"             // 401
	CodeWorkspaceNotFound          = "workspace_not_found"            // 404
	CodeWorkspaceNotOwnedByPartner = "workspace_not_owned_by_partner" // 403
	CodeWorkspaceBillingManaged    = "workspace_billing_managed"      // 403
	CodeWorkspaceCreationFailed    = "workspace_creation_failed"      // 409
	CodeSeatsFull                  = "seats_full"                     // 409
	CodeUserNotFound               = "user_not_found"                 // 404
	CodeUserNotInWorkspace         = "user_not_in_workspace"          // 404
	CodeUserNotActive              = "user_not_active"                // 409
	CodeInvalidRequest             = "invalid_request"                // 400 (malformed) or 422 (out of range)
	CodeMethodNotAllowed           = "method_not_allowed"             // 405
	CodeNotFound                   = "not_found"                      // 404, unknown API path
	CodeServiceUnavailable         = "service_unavailable"            // 503, injected fault
)

// apiError is an error answer of the fake.
type apiError struct {
	status int
	code   string
	desc   string
}

func (e *apiError) Error() string { return e.code + ": " + e.desc }

func errf(status int, code, desc string) *apiError {
	return &apiError{status: status, code: code, desc: desc}
}

// authenticate checks the request's partner credentials like the real
// service and returns the calling partner.
func (s *Server) authenticate(r *http.Request) (*partnerState, *apiError) {
	pid := r.Header.Get(tlpartner.HeaderPartnerID)
	authz := r.Header.Get("Authorization")
	if pid == "" {
		return nil, errf(401, CodeMissingHeader, "missing "+tlpartner.HeaderPartnerID+" header")
	}
	if authz == "" {
		return nil, errf(401, CodeMissingHeader, "missing Authorization header")
	}
	scheme, raw, ok := strings.Cut(authz, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return nil, errf(401, CodeTokenDecodeError, "Authorization header is not a Bearer token")
	}
	raw = strings.TrimSpace(raw)

	s.mu.Lock()
	p := s.partners[pid]
	var secret string
	var active bool
	if p != nil {
		secret, active = p.secret, p.active
	}
	s.mu.Unlock()
	if p == nil {
		return nil, errf(401, CodePartnerNotFound, "unknown partner")
	}
	if !active {
		return nil, errf(401, CodePartnerNotActive, "partner is not active")
	}

	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		return []byte(secret), nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		if errors.Is(err, jwt.ErrTokenMalformed) {
			return nil, errf(401, CodeTokenDecodeError, "token cannot be decoded")
		}
		return nil, errf(401, CodeInvalidSignature, "invalid signature")
	}
	claimPID, ok := claims["partner_id"].(string)
	if !ok || claimPID == "" {
		return nil, errf(401, CodeMissingClaim, "missing claim partner_id")
	}
	nbf, err := claims.GetNotBefore()
	if err != nil {
		return nil, errf(401, CodeTokenDecodeError, "claim nbf is not a number")
	}
	if nbf == nil {
		return nil, errf(401, CodeMissingClaim, "missing claim nbf")
	}
	exp, err := claims.GetExpirationTime()
	if err != nil {
		return nil, errf(401, CodeTokenDecodeError, "claim exp is not a number")
	}
	if exp == nil {
		return nil, errf(401, CodeMissingClaim, "missing claim exp")
	}
	if claimPID != pid {
		return nil, errf(401, CodeInvalidSignature, "partner_id claim does not match "+tlpartner.HeaderPartnerID)
	}
	now := time.Now()
	skew := s.opts.ClockSkew
	if now.Add(skew).Before(nbf.Time) {
		return nil, errf(401, CodeTimestampOutOfRange, "token is not valid yet (nbf)")
	}
	if !now.Add(-skew).Before(exp.Time) {
		return nil, errf(401, CodeTimestampOutOfRange, "token has expired (exp)")
	}
	return p, nil
}
