package publicapi

import (
	"strings"

	"github.com/tlpartner/tlpartner-go/internal/engine"
)

// APIError is returned when the server answers with an error: a non-2xx
// status, or a 2xx whose body says {"status":"error"} (which is never
// turned into a zero result). It is the type of the Partner API client's
// errors too (tlpartner.APIError is the same type), so errors.As works
// across both packages. It decodes {"status":"error","message":...} with
// "error_code" and "errors" when present (Code, Description, Fields) and
// keeps the status and a short text for plain-text and HTML bodies. The
// token is scrubbed from every field, even when the server echoes it.
type APIError = engine.APIError

// FieldError is one entry of the "errors" list of a validation failure.
type FieldError = engine.FieldError

// ValidationError is returned before any request is sent when an argument
// is invalid. Field names what the caller wrote in Go: the parameter
// ("phone"), the params field ("SendParams.FileUID") or the option
// ("WithBaseURL"). It matches [ErrInvalidRequest].
type ValidationError = engine.ValidationError

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
