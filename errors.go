package tlpartner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors for use with [errors.Is]. An [*APIError] matches at most one
// of them (see [APIError.Is]); a [*ValidationError] matches
// [ErrInvalidRequest].
var (
	// ErrNotFound means the workspace or user does not exist or is not
	// visible to the partner (codes workspace_not_found, user_not_found,
	// user_not_in_workspace; HTTP 404).
	ErrNotFound = errors.New("tlpartner: not found")
	// ErrSeatsFull means the workspace has too few free seats for the
	// request (code seats_full). Raise SeatsPurchased with
	// [Client.UpdateWorkspace] first.
	ErrSeatsFull = errors.New("tlpartner: seats full")
	// ErrConflict means the request conflicts with the current state: the
	// workspace could not be created because its name or generated ID is
	// taken (code workspace_creation_failed), or the user is not active,
	// for example suspended by a seat reduction (code user_not_active);
	// otherwise HTTP 409.
	ErrConflict = errors.New("tlpartner: conflict")
	// ErrUnauthorized means the server did not accept the request for this
	// partner: bad signature, clock skew, missing header or claim, unknown
	// or inactive partner, or a workspace not owned by (or billed outside)
	// the partner (HTTP 401 and 403).
	ErrUnauthorized = errors.New("tlpartner: unauthorized")
	// ErrRateLimited means the rate limiter rejected the request before
	// processing it (HTTP 429 without a quota code). Retrying later is
	// safe; the client already did so within its [RetryPolicy].
	ErrRateLimited = errors.New("tlpartner: rate limited")
	// ErrQuotaExceeded means a quota of the workspace is used up (code
	// quota_exceeded, or any other code containing "quota"). Retrying does
	// not help until the quota is reset or raised, so it is never retried.
	ErrQuotaExceeded = errors.New("tlpartner: quota exceeded")
	// ErrInvalidRequest means the server rejected the request as malformed
	// (codes invalid_request, validation_error, method_not_allowed; HTTP
	// 400, 405, 422), or the SDK refused to send it ([*ValidationError]).
	ErrInvalidRequest = errors.New("tlpartner: invalid request")
	// ErrServer means the server or a proxy in front of it failed (HTTP
	// 5xx).
	ErrServer = errors.New("tlpartner: server error")
)

var errSigning = errors.New("tlpartner: cannot sign request token")

// maxErrorBody is how much of an error response body [APIError.Body] keeps.
const maxErrorBody = 4 << 10

// APIError is returned when the server answers with a non-2xx status. It
// decodes the Partner API envelope {"error","status","description"}, the
// rate-limit body {"error","message"}, the Public API body
// {"status":"error","message","error_code"} and, for anything else (for
// example an HTML page from a proxy), keeps the status and a short
// description taken from the text.
//
// Use errors.Is with the sentinels ([ErrNotFound], [ErrSeatsFull], ...) for
// control flow and errors.As to read the details:
//
//	var apiErr *tlpartner.APIError
//	if errors.As(err, &apiErr) {
//		log.Printf("status=%d code=%s request_id=%s", apiErr.StatusCode, apiErr.Code, apiErr.RequestID)
//	}
type APIError struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Code is the machine-readable error code: the envelope's "error"
	// field (for example "workspace_not_found"), or "error_code" of the
	// Public API shape. For the rate-limit shape it holds the server's
	// "error" text ("Too Many Requests"). Empty when the body had none.
	Code string
	// Description is the human-readable detail: "description" or
	// "message", or for non-JSON bodies the page title or first line. For
	// a redirect the client did not follow (see [NewClient]) without such
	// text it names the Location.
	Description string
	// Body is the raw response body, truncated to 4 KiB.
	Body []byte
	// RequestID is the value of the first X-Request-Id-like response header
	// found, if any; include it when contacting support.
	RequestID string
	// RetryAfter is the wait the server asked for in its Retry-After
	// header, or 0 if none was sent.
	RetryAfter time.Duration
}

// Error returns "tlpartner: <status> <code>: <description>", leaving out
// an empty description; an empty code is replaced by the status text (as in
// "tlpartner: 503 Service Unavailable").
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("tlpartner: ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" && e.Code == "" {
		b.WriteString(" ")
		b.WriteString(t)
	}
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	return b.String()
}

// Is reports whether e belongs to the class of target, one of the sentinel
// errors. The error code decides first; the HTTP status is used only when
// the code is empty or unknown. So a 404 with code "seats_full" is
// [ErrSeatsFull], not [ErrNotFound].
func (e *APIError) Is(target error) bool {
	return target != nil && e.class() == target
}

// class returns the sentinel error for e, or nil.
func (e *APIError) class() error {
	if s := classifyCode(e.Code); s != nil {
		return s
	}
	switch s := e.StatusCode; {
	case s == http.StatusNotFound:
		return ErrNotFound
	case s == http.StatusConflict:
		return ErrConflict
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return ErrUnauthorized
	case s == http.StatusTooManyRequests:
		return ErrRateLimited
	case s == http.StatusBadRequest || s == http.StatusMethodNotAllowed || s == http.StatusUnprocessableEntity:
		return ErrInvalidRequest
	case s >= 500:
		return ErrServer
	}
	return nil
}

// codeClasses maps the server error codes the SDK knows to sentinels.
var codeClasses = map[string]error{
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
	"workspace_not_owned_by_partner": ErrUnauthorized,
	"workspace_billing_managed":      ErrUnauthorized,
	"missing_credentials":            ErrUnauthorized,
	"invalid_token":                  ErrUnauthorized,
	"permission_denied":              ErrUnauthorized,
	"rate_limit_exceeded":            ErrRateLimited,
	"quota_exceeded":                 ErrQuotaExceeded,
	"invalid_request":                ErrInvalidRequest,
	"validation_error":               ErrInvalidRequest,
	"method_not_allowed":             ErrInvalidRequest,
}

func classifyCode(code string) error {
	if code == "" {
		return nil
	}
	if s, ok := codeClasses[code]; ok {
		return s
	}
	if isQuotaCode(code) {
		return ErrQuotaExceeded
	}
	return nil
}

// isQuotaCode reports whether an error code says a quota is exhausted, in
// which case a 429 must not be retried.
func isQuotaCode(code string) bool {
	return strings.Contains(strings.ToLower(code), "quota")
}

// ValidationError reports input that the SDK rejected before sending any
// request, such as an empty workspace ID or a seat count out of range.
// errors.Is(err, [ErrInvalidRequest]) is true for it.
type ValidationError struct {
	// Field names the offending parameter, using the API's field name
	// where there is one (for example "seats_purchased").
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns "tlpartner: invalid <field>: <reason>".
func (e *ValidationError) Error() string {
	return "tlpartner: invalid " + e.Field + ": " + e.Reason
}

// Is makes errors.Is(err, [ErrInvalidRequest]) true for validation errors.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidRequest }

// requestIDHeaders are checked in order for [APIError.RequestID].
var requestIDHeaders = []string{"X-Request-Id", "X-Correlation-Id", "X-Amzn-Requestid", "Cf-Ray"}

// newAPIError builds an *APIError from a non-2xx response whose body has
// already been read.
func newAPIError(resp *http.Response, body []byte) *APIError {
	e := &APIError{StatusCode: resp.StatusCode}
	if len(body) > maxErrorBody {
		e.Body = append([]byte(nil), body[:maxErrorBody]...)
	} else if len(body) > 0 {
		e.Body = append([]byte(nil), body...)
	}
	for _, h := range requestIDHeaders {
		if v := resp.Header.Get(h); v != "" {
			e.RequestID = v
			break
		}
	}
	e.RetryAfter, _ = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	e.Code, e.Description = decodeErrorBody(body)
	if e.Description == "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc := resp.Header.Get("Location"); loc != "" {
			e.Description = shorten("redirect to " + loc + " not followed")
		}
	}
	return e
}

// errorBody is the union of the three documented JSON error shapes.
type errorBody struct {
	Error       json.RawMessage `json:"error"`
	ErrorCode   string          `json:"error_code"`
	Description string          `json:"description"`
	Message     string          `json:"message"`
	Detail      string          `json:"detail"`
}

// decodeErrorBody extracts an error code and a description from any body.
func decodeErrorBody(body []byte) (code, desc string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "", ""
	}
	if trimmed[0] == '{' {
		var eb errorBody
		if json.Unmarshal(trimmed, &eb) == nil {
			if eb.ErrorCode != "" {
				code = eb.ErrorCode
			} else if len(eb.Error) > 0 {
				var s string
				if json.Unmarshal(eb.Error, &s) == nil {
					code = s
				} else {
					// Some frameworks nest the error: {"error":{"code":..,"message":..}}.
					var nested struct {
						Code    string `json:"code"`
						Message string `json:"message"`
					}
					if json.Unmarshal(eb.Error, &nested) == nil {
						code, desc = nested.Code, nested.Message
					}
				}
			}
			switch {
			case eb.Description != "":
				desc = eb.Description
			case eb.Message != "":
				desc = eb.Message
			case eb.Detail != "":
				desc = eb.Detail
			}
			return code, shorten(desc)
		}
	}
	return "", textSummary(trimmed)
}

// textSummary returns a one-line description of a non-JSON body: the
// <title> of an HTML page, or the first non-empty line of plain text.
func textSummary(b []byte) string {
	if !utf8.Valid(b) {
		return ""
	}
	s := string(b)
	lower := strings.ToLower(s)
	if i := strings.Index(lower, "<title>"); i >= 0 {
		rest := s[i+len("<title>"):]
		if j := strings.Index(strings.ToLower(rest), "</title>"); j >= 0 {
			return shorten(strings.Join(strings.Fields(html.UnescapeString(rest[:j])), " "))
		}
	}
	if strings.HasPrefix(strings.TrimSpace(lower), "<") {
		if i := strings.Index(lower, "<h1>"); i >= 0 {
			rest := s[i+len("<h1>"):]
			if j := strings.Index(strings.ToLower(rest), "</h1>"); j >= 0 {
				return shorten(strings.Join(strings.Fields(html.UnescapeString(rest[:j])), " "))
			}
		}
		return ""
	}
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return shorten(line)
		}
	}
	return ""
}

// shorten limits s to 200 bytes (on a rune boundary) for error strings.
func shorten(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// parseRetryAfter parses a Retry-After value: delay-seconds (fractions are
// tolerated) or an HTTP date. ok is false for an absent or invalid value.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if !(secs >= 0 && secs <= 1e6) { // also rejects NaN
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// abortedError is returned when the context ends between attempts. It
// matches both the context error and the last attempt's error, so
// errors.Is(err, context.Canceled) and errors.As(err, &apiErr) both work.
type abortedError struct {
	op     string
	ctxErr error
	last   error
}

func (e *abortedError) Error() string {
	return "tlpartner: " + e.op + ": " + e.ctxErr.Error() + " (last attempt: " + strings.TrimPrefix(e.last.Error(), "tlpartner: ") + ")"
}

func (e *abortedError) Unwrap() []error { return []error{e.ctxErr, e.last} }

// requestError wraps a transport failure with the operation that failed.
type requestError struct {
	op  string
	err error
}

func (e *requestError) Error() string { return fmt.Sprintf("tlpartner: %s: %v", e.op, e.err) }
func (e *requestError) Unwrap() error { return e.err }
