package tlpartner

import (
	"errors"
	"net/http"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/engine"
)

// Sentinel errors for use with [errors.Is]. They are shared with the Public
// API client (package publicapi): tlpartner.ErrNotFound and
// publicapi.ErrNotFound are the same value. An [*APIError] matches the
// class its error code (or, for an empty or unknown code, its HTTP status)
// belongs to (see [APIError.Is]); a [*ValidationError] matches
// [ErrInvalidRequest].
var (
	// ErrNotFound means the workspace or user does not exist or is not
	// visible to the partner (codes workspace_not_found, user_not_found,
	// user_not_in_workspace; HTTP 404).
	ErrNotFound = engine.ErrNotFound
	// ErrSeatsFull means the workspace has too few free seats for the
	// request (code seats_full). Raise SeatsPurchased with
	// [Client.UpdateWorkspace] first.
	ErrSeatsFull = engine.ErrSeatsFull
	// ErrConflict means the request conflicts with the current state: the
	// workspace could not be created because its name or generated ID is
	// taken (code workspace_creation_failed), or the user is not active,
	// for example suspended by a seat reduction (code user_not_active);
	// otherwise HTTP 409.
	ErrConflict = engine.ErrConflict
	// ErrUnauthorized means the server did not accept the request for this
	// partner: bad signature, clock skew, missing header or claim, unknown
	// or inactive partner (HTTP 401), or a refusal that [ErrForbidden]
	// also matches (HTTP 403, workspace not owned by or billed outside the
	// partner): for the Partner API every 403 matches both, as before
	// ErrForbidden existed.
	ErrUnauthorized = engine.ErrUnauthorized
	// ErrForbidden means the request was authenticated but is not allowed:
	// a workspace not owned by the partner or billing-managed (codes
	// workspace_not_owned_by_partner, workspace_billing_managed,
	// permission_denied; HTTP 403). Such errors match [ErrUnauthorized]
	// too.
	ErrForbidden = engine.ErrForbidden
	// ErrRateLimited means the rate limiter rejected the request before
	// processing it (HTTP 429 without a quota code). Retrying later is
	// safe; the client already did so within its [RetryPolicy].
	ErrRateLimited = engine.ErrRateLimited
	// ErrQuotaExceeded means a quota of the workspace is used up (code
	// quota_exceeded, the only quota code the API documents). Retrying
	// does not help until the quota is reset or raised, so it is never
	// retried. Other codes are not guessed at: a 429 with an unknown code
	// is [ErrRateLimited].
	ErrQuotaExceeded = engine.ErrQuotaExceeded
	// ErrInvalidRequest means the server rejected the request as malformed
	// (codes invalid_request, validation_error, method_not_allowed; HTTP
	// 400, 405, 422), or the SDK refused to send it ([*ValidationError]).
	ErrInvalidRequest = engine.ErrInvalidRequest
	// ErrServer means the server or a proxy in front of it failed (HTTP
	// 5xx).
	ErrServer = engine.ErrServer
)

var errSigning = errors.New("tlpartner: cannot sign request token")

// APIError is returned when the server answers with a non-2xx status. It
// decodes the Partner API envelope {"error","status","description"}, the
// rate-limit body {"error","message"}, the Public API body
// {"status":"error","message","error_code","errors"} and, for anything else
// (for example an HTML page from a proxy), keeps the status and a short
// description taken from the text. It names the call that failed
// (Operation, Method, Path) and how many attempts were made.
//
// [APIError.Error] reads "tlpartner: <Operation>: <status> <code>:
// <description>", for example "tlpartner: GetWorkspace: 404
// workspace_not_found: Workspace not found"; an empty code is replaced by
// the status text. The request's own JWT is replaced by [REDACTED] in every
// field, even when the server echoes it back.
//
// Use errors.Is with the sentinels ([ErrNotFound], [ErrSeatsFull], ...) for
// control flow and errors.As to read the details:
//
//	var apiErr *tlpartner.APIError
//	if errors.As(err, &apiErr) {
//		log.Printf("op=%s status=%d code=%s request_id=%s", apiErr.Operation, apiErr.StatusCode, apiErr.Code, apiErr.RequestID)
//	}
//
// publicapi.APIError has the same fields and methods. errors.As works
// across the packages: an error of the Public API client also fills a
// *tlpartner.APIError (with a copy), and the reverse.
type APIError struct {
	// Operation is the client method that failed, for example
	// "GetWorkspace" or "Do POST".
	Operation string `json:"operation"`
	// Method is the HTTP method of the failed request.
	Method string `json:"method"`
	// Path is the escaped URL path of the failed request.
	Path string `json:"path"`
	// Attempts is the number of HTTP attempts made, retries included.
	Attempts int `json:"attempts"`
	// StatusCode is the HTTP status of the response.
	StatusCode int `json:"status_code"`
	// Code is the machine-readable error code: the Partner envelope's
	// "error" field (for example "workspace_not_found"), or "error_code"
	// of the Public API shape. A 429 without a code (the rate limiter
	// sends the status text "Too Many Requests" in "error") gets the
	// documented "rate_limit_exceeded". Otherwise empty when the body had
	// none.
	Code string `json:"code,omitempty"`
	// Description is the human-readable detail: "description" or
	// "message", or for non-JSON bodies the page title or first line. For
	// a redirect the client did not follow it names the Location.
	Description string `json:"description,omitempty"`
	// Fields holds the Public API's per-field validation errors ("errors"
	// in the body), if any.
	Fields []FieldError `json:"fields,omitempty"`
	// Body is the raw response body, truncated to 4 KiB, with the
	// credential redacted.
	Body []byte `json:"body,omitempty"`
	// RequestID is the value of the first X-Request-Id-like response
	// header found (X-Request-Id, X-Correlation-Id, X-Amzn-Requestid,
	// Cf-Ray), if any; include it when contacting support.
	RequestID string `json:"request_id,omitempty"`
	// RetryAfter is the wait the server asked for in its Retry-After
	// header, or 0 if none was sent.
	RetryAfter time.Duration `json:"retry_after,omitempty"`

	meta engine.ErrorMeta
}

// Error returns "tlpartner: <Operation>: <status> <code>: <description>".
// An empty Operation or Description is left out; an empty Code is replaced
// by the status text (as in "tlpartner: GetWorkspace: 503 Service
// Unavailable").
func (e *APIError) Error() string {
	return e.meta.Error(e.Operation, e.StatusCode, e.Code, e.Description)
}

// Is reports whether e belongs to the class of target, one of the sentinel
// errors. The client decided the class when the error was built (the error
// code first, the HTTP status when the code is empty or unknown); an
// APIError built by hand is classified by its StatusCode alone.
func (e *APIError) Is(target error) bool { return e.meta.Is(e.StatusCode, target) }

// As sets target to a copy of e when target points to the APIError type of
// another package of the module (*publicapi.APIError), so errors.As works
// across packages.
func (e *APIError) As(target any) bool { return e.engine().As(target) }

func (e *APIError) engine() *engine.APIError { return engine.APIErrorFrom(e, e.meta) }

func apiErrorFrom(x *engine.APIError) *APIError {
	return engine.APIErrorTo(x, func(e *APIError, m engine.ErrorMeta) { e.meta = m })
}

// FieldError is one per-field validation error of the Public API, kept in
// [APIError.Fields].
type FieldError struct {
	// Fields names the offending request fields, for example ["body",
	// "phone"].
	Fields []string `json:"fields,omitempty"`
	// Message says what is wrong ("msg" on the wire).
	Message string `json:"msg,omitempty"`
}

// ValidationError reports input that the SDK rejected before sending any
// request, such as an empty workspace ID, a seat count out of range or a
// bad option value. errors.Is(err, [ErrInvalidRequest]) is true for it.
// publicapi.ValidationError and webhooks.ValidationError have the same
// fields, and errors.As works across the packages: a validation error of
// any package of the module also fills a *tlpartner.ValidationError.
type ValidationError struct {
	// Field names what the caller wrote in Go: the parameter
	// ("workspaceID", "ctx"), the params field
	// ("GenerateQRParams.ExpiresInHours") or the option ("WithHTTPClient").
	Field string `json:"field"`
	// Reason says what is wrong with it, for example "must not be empty".
	Reason string `json:"reason"`

	api string
}

// Error returns "tlpartner: invalid <Field>: <Reason>" (the prefix names
// the package that refused the input).
func (e *ValidationError) Error() string { return e.engine().Error() }

// Is makes errors.Is(err, [ErrInvalidRequest]) true for validation errors.
func (e *ValidationError) Is(target error) bool { return e.engine().Is(target) }

// As sets target to a copy of e when target points to the ValidationError
// type of another package of the module, so errors.As works across
// packages.
func (e *ValidationError) As(target any) bool { return e.engine().As(target) }

func (e *ValidationError) engine() *engine.ValidationError {
	return engine.NewValidationError(e.api, e.Field, e.Reason)
}

func init() {
	engine.RegisterAPIError(apiErrorFrom)
	engine.RegisterValidationError(func(x *engine.ValidationError) *ValidationError {
		return &ValidationError{Field: x.Field, Reason: x.Reason, api: x.API()}
	})
}

// exportError turns the engine's error types into this package's.
func exportError(err error) error {
	return engine.ExportError(err,
		func(x *engine.APIError) error { return apiErrorFrom(x) },
		func(x *engine.ValidationError) error {
			return &ValidationError{Field: x.Field, Reason: x.Reason, api: x.API()}
		})
}

// partnerCodes maps the error codes the SDK knows to sentinels. Public API
// codes are included because a Partner route may answer with that shape.
var partnerCodes = map[string]error{
	"workspace_not_found":            ErrNotFound,
	"user_not_found":                 ErrNotFound,
	"user_not_in_workspace":          ErrNotFound,
	"not_found":                      ErrNotFound,
	"seats_full":                     ErrSeatsFull,
	"workspace_creation_failed":      ErrConflict,
	"user_not_active":                ErrConflict,
	"partner_not_found":              ErrUnauthorized,
	"partner_not_active":             ErrUnauthorized,
	"invalid_signature":              ErrUnauthorized,
	"timestamp_out_of_range":         ErrUnauthorized,
	"token_not_active":               ErrUnauthorized,
	"token_decode_error":             ErrUnauthorized,
	"missing_header":                 ErrUnauthorized,
	"missing_claim":                  ErrUnauthorized,
	"missing_credentials":            ErrUnauthorized,
	"invalid_token":                  ErrUnauthorized,
	"workspace_not_owned_by_partner": errPartnerForbidden,
	"workspace_billing_managed":      errPartnerForbidden,
	"permission_denied":              errPartnerForbidden,
	"rate_limit_exceeded":            ErrRateLimited,
	"quota_exceeded":                 ErrQuotaExceeded,
	"invalid_request":                ErrInvalidRequest,
	"validation_error":               ErrInvalidRequest,
	"method_not_allowed":             ErrInvalidRequest,
}

// errPartnerForbidden is the class of a Partner API 403: ErrForbidden and,
// as before ErrForbidden existed, ErrUnauthorized.
var errPartnerForbidden = errors.Join(ErrForbidden, ErrUnauthorized)

var classifyByCode = engine.CodeClassifier(partnerCodes)

// classifyPartner is the Partner API's classifier: known codes first, then
// the status; every 403 also matches ErrUnauthorized.
func classifyPartner(status int, code, msg string) error {
	c := classifyByCode(status, code, msg)
	if c == ErrForbidden || (c == nil && status == http.StatusForbidden) {
		return errPartnerForbidden
	}
	return c
}
