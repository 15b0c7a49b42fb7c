package publicapi

import (
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/engine"
)

// APIError is returned when the server answers with an error: a non-2xx
// status, or a 2xx whose body says {"status":"error"} (which is never
// turned into a zero result). It decodes {"status":"error","message":...}
// with "error_code" and "errors" when present (Code, Description, Fields)
// and keeps the status and a short text for plain-text and HTML bodies.
// The token is replaced by [REDACTED] in every field, even when the server
// echoes it back.
//
// [APIError.Error] reads "publicapi: <Operation>: <status> <code>:
// <description>", for example "publicapi: GetChat: 404 not_found: Chat not
// found". Use errors.Is with the sentinels ([ErrNotFound], [ErrUnauthorized],
// ...) for control flow and errors.As to read the details:
//
//	var apiErr *publicapi.APIError
//	if errors.As(err, &apiErr) {
//		log.Printf("op=%s status=%d code=%s request_id=%s", apiErr.Operation, apiErr.StatusCode, apiErr.Code, apiErr.RequestID)
//	}
//
// tlpartner.APIError has the same fields and methods. errors.As works
// across the packages: an error of this client also fills a
// *tlpartner.APIError (with a copy), and the reverse.
type APIError struct {
	// Operation is the client method that failed, for example "SendMessage"
	// or "Do POST".
	Operation string `json:"operation"`
	// Method is the HTTP method of the failed request.
	Method string `json:"method"`
	// Path is the escaped URL path of the failed request.
	Path string `json:"path"`
	// Attempts is the number of HTTP attempts made, retries included.
	Attempts int `json:"attempts"`
	// StatusCode is the HTTP status of the response (200 for a 2xx whose
	// body says "status":"error").
	StatusCode int `json:"status_code"`
	// Code is the machine-readable "error_code" of the body (for example
	// "validation_error"). A 429 without one gets the documented
	// "rate_limit_exceeded"; otherwise it is empty when the body had none.
	Code string `json:"code,omitempty"`
	// Description is the human-readable "message", or for non-JSON bodies
	// the page title or first line. For a redirect the client did not
	// follow it names the Location.
	Description string `json:"description,omitempty"`
	// Fields holds the per-field validation errors ("errors" in the body),
	// if any.
	Fields []FieldError `json:"fields,omitempty"`
	// Body is the raw response body, truncated to 4 KiB, with the token
	// redacted.
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

// Error returns "publicapi: <Operation>: <status> <code>: <description>".
// An empty Operation or Description is left out; an empty Code is replaced
// by the status text (as in "publicapi: GetChat: 503 Service
// Unavailable").
func (e *APIError) Error() string {
	return e.metaOrDefault().Error(e.Operation, e.StatusCode, e.Code, e.Description)
}

// Is reports whether e belongs to the class of target, one of the sentinel
// errors. The client decided the class when the error was built (the error
// code, then a message naming a quota, then the HTTP status); an APIError
// built by hand is classified by its StatusCode alone.
func (e *APIError) Is(target error) bool { return e.meta.Is(e.StatusCode, target) }

// As sets target to a copy of e when target points to the APIError type of
// another package of the module (*tlpartner.APIError), so errors.As works
// across packages.
func (e *APIError) As(target any) bool { return e.engine().As(target) }

func (e *APIError) engine() *engine.APIError { return engine.APIErrorFrom(e, e.metaOrDefault()) }

// metaOrDefault is e's meta, or for an APIError built by hand this
// package's prefix with classification by status.
func (e *APIError) metaOrDefault() engine.ErrorMeta {
	if e.meta.IsZero() {
		return engine.MetaFor(apiName)
	}
	return e.meta
}

func apiErrorFrom(x *engine.APIError) *APIError {
	return engine.APIErrorTo(x, func(e *APIError, m engine.ErrorMeta) { e.meta = m })
}

// FieldError is one entry of the "errors" list of a validation failure, kept
// in [APIError.Fields].
type FieldError struct {
	// Fields names the offending request fields, for example ["body",
	// "phone"].
	Fields []string `json:"fields,omitempty"`
	// Message says what is wrong ("msg" on the wire).
	Message string `json:"msg,omitempty"`
}

// ValidationError is returned before any request is sent when an argument
// is invalid. It matches [ErrInvalidRequest]. tlpartner.ValidationError has
// the same fields, and errors.As works across the packages.
type ValidationError struct {
	// Field names what the caller wrote in Go: the parameter ("phone"), the
	// params field ("SendParams.FileUID") or the option ("WithBaseURL").
	Field string `json:"field"`
	// Reason says what is wrong with it, for example "must not be empty".
	Reason string `json:"reason"`

	api string
}

// Error returns "publicapi: invalid <Field>: <Reason>" (the prefix names
// the package that refused the input).
func (e *ValidationError) Error() string { return e.engine().Error() }

// Is makes errors.Is(err, [ErrInvalidRequest]) true for validation errors.
func (e *ValidationError) Is(target error) bool { return e.engine().Is(target) }

// As sets target to a copy of e when target points to the ValidationError
// type of another package of the module, so errors.As works across
// packages.
func (e *ValidationError) As(target any) bool { return e.engine().As(target) }

func (e *ValidationError) engine() *engine.ValidationError {
	api := e.api
	if api == "" {
		api = apiName
	}
	return engine.NewValidationError(api, e.Field, e.Reason)
}

func validationErrorFrom(x *engine.ValidationError) *ValidationError {
	return &ValidationError{Field: x.Field, Reason: x.Reason, api: x.API()}
}

func init() {
	engine.RegisterAPIError(apiErrorFrom)
	engine.RegisterValidationError(validationErrorFrom)
}

// exportError turns the engine's error types into this package's.
func exportError(err error) error {
	return engine.ExportError(err,
		func(x *engine.APIError) error { return apiErrorFrom(x) },
		func(x *engine.ValidationError) error { return validationErrorFrom(x) })
}

// Sentinel errors for errors.Is. They are the same values as the Partner
// API client's sentinels of the same name, so errors.Is(err,
// tlpartner.ErrNotFound) holds for a Public API error too.
var (
	// ErrUnauthorized: HTTP 401, a missing, invalid or regenerated token
	// ("Invalid or expired token"; codes missing_credentials,
	// invalid_token).
	ErrUnauthorized = engine.ErrUnauthorized
	// ErrForbidden: HTTP 403 "Access denied": a resource of another
	// workspace, or a feature the plan does not include.
	ErrForbidden = engine.ErrForbidden
	// ErrNotFound: HTTP 404 or code not_found.
	ErrNotFound = engine.ErrNotFound
	// ErrRateLimited: HTTP 429 that is not a quota error. The client
	// retries it within its [RetryPolicy], for every operation.
	ErrRateLimited = engine.ErrRateLimited
	// ErrQuotaExceeded: a quota of the workspace (messages, API calls) is
	// used up: code quota_exceeded, or a message that says "quota". Never
	// retried.
	ErrQuotaExceeded = engine.ErrQuotaExceeded
	// ErrInvalidRequest: HTTP 400, 405 or 422, code validation_error, or a
	// [*ValidationError] (nothing was sent).
	ErrInvalidRequest = engine.ErrInvalidRequest
	// ErrServer: HTTP 5xx.
	ErrServer = engine.ErrServer
)

// publicCodes are the error_code values third-party clients observed.
var publicCodes = map[string]error{
	"missing_credentials": ErrUnauthorized,
	"invalid_token":       ErrUnauthorized,
	"validation_error":    ErrInvalidRequest,
	"not_found":           ErrNotFound,
	"quota_exceeded":      ErrQuotaExceeded,
}

var byCode = engine.CodeClassifier(publicCodes)

// classify maps a Public API error to a sentinel: the code first, then a
// message that names a quota (the docs define no quota code), then the
// status. A 200 {"status":"error"} without a known code stays unclassified
// unless its message names a quota.
func classify(status int, code, message string) error {
	if _, known := publicCodes[code]; !known && strings.Contains(strings.ToLower(message), "quota") {
		return ErrQuotaExceeded
	}
	return byCode(status, code, message)
}
