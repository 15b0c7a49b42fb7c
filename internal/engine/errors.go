package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors shared by every client of the module, so that
// errors.Is(err, tlpartner.ErrNotFound) and errors.Is(err,
// publicapi.ErrNotFound) mean the same thing. The clients re-export them
// with their own documentation.
var (
	ErrNotFound       = errors.New("tlpartner: not found")
	ErrSeatsFull      = errors.New("tlpartner: seats full")
	ErrConflict       = errors.New("tlpartner: conflict")
	ErrUnauthorized   = errors.New("tlpartner: unauthorized")
	ErrForbidden      = errors.New("tlpartner: forbidden")
	ErrRateLimited    = errors.New("tlpartner: rate limited")
	ErrQuotaExceeded  = errors.New("tlpartner: quota exceeded")
	ErrInvalidRequest = errors.New("tlpartner: invalid request")
	ErrServer         = errors.New("tlpartner: server error")
)

// defaultAPI is the error prefix of an APIError or ValidationError whose
// API name is empty (a value built by hand rather than by an Engine).
const defaultAPI = "tlpartner"

// Redacted replaces a credential wherever the SDK shows one.
const Redacted = "[REDACTED]"

// MaxErrorBody is how much of an error response body [APIError.Body] keeps.
const MaxErrorBody = 4 << 10

// Classifier maps an error response (HTTP status, machine-readable code,
// human-readable message) to one of the sentinel errors, or to nil. The
// result may be a joined error (errors.Join) when a response belongs to
// several classes. Each API has its own classifier; see [CodeClassifier].
type Classifier func(status int, code, message string) error

// CodeClassifier returns a Classifier that looks the code up in codes and
// falls back to [StatusSentinel] for empty or unknown codes.
func CodeClassifier(codes map[string]error) Classifier {
	return func(status int, code, _ string) error {
		if s, ok := codes[code]; ok && code != "" {
			return s
		}
		return StatusSentinel(status)
	}
}

// StatusSentinel is the classification by HTTP status alone: 400, 405 and
// 422 are ErrInvalidRequest, 401 ErrUnauthorized, 403 ErrForbidden, 404
// ErrNotFound, 409 ErrConflict, 429 ErrRateLimited and 5xx ErrServer;
// anything else is nil.
func StatusSentinel(status int) error {
	switch {
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status == http.StatusBadRequest || status == http.StatusMethodNotAllowed || status == http.StatusUnprocessableEntity:
		return ErrInvalidRequest
	case status >= 500:
		return ErrServer
	}
	return nil
}

// FieldError is one entry of the Public API's "errors" list: the request
// fields a schema-validation failure concerns and what is wrong with them.
type FieldError struct {
	// Fields names the offending request fields, for example ["body",
	// "phone"].
	Fields []string `json:"fields,omitempty"`
	// Message says what is wrong ("msg" on the wire).
	Message string `json:"msg,omitempty"`
}

// APIError is returned when the server answers with a non-2xx status (or,
// for the Public API, a 2xx whose body says "status":"error"). It decodes
// the Partner API envelope {"error","status","description"}, the
// rate-limit body {"error","message"}, the Public API body
// {"status":"error","message","error_code","errors":[...]} and, for
// anything else (for example an HTML page from a proxy or a plain-text
// 401), keeps the status and a short description taken from the text.
//
// The credential of the failed attempt (the Partner JWT or the Public API
// token) is replaced by [REDACTED] in every field, so a server or proxy that
// echoes the request's Authorization header cannot leak it through the
// error.
type APIError struct {
	// Operation is the client method that failed, for example
	// "GetWorkspace" or "Do POST".
	Operation string
	// Method and Path are the HTTP method and escaped URL path of the
	// failed request.
	Method string
	Path   string
	// Attempts is the number of HTTP attempts made, retries included.
	Attempts int
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Code is the machine-readable error code: the Partner envelope's
	// "error" field (for example "workspace_not_found"), or "error_code"
	// of the Public API shape. A 429 without a code (the rate limiter
	// sends the status text "Too Many Requests" in "error") gets the
	// documented "rate_limit_exceeded". Otherwise empty when the body had
	// none.
	Code string
	// Description is the human-readable detail: "description" or
	// "message", or for non-JSON bodies the page title or first line. For
	// a redirect the client did not follow without such text it names the
	// Location.
	Description string
	// Fields holds the Public API's per-field validation errors ("errors"
	// in the body), if any.
	Fields []FieldError
	// Body is the raw response body, truncated to 4 KiB.
	Body []byte
	// RequestID is the value of the first X-Request-Id-like response header
	// found, if any; include it when contacting support.
	RequestID string
	// RetryAfter is the wait the server asked for in its Retry-After
	// header, or 0 if none was sent.
	RetryAfter time.Duration

	api   string // error prefix, "tlpartner" or "publicapi"
	class error  // sentinel(s) chosen by the API's classifier
}

// Error returns "<api>: <operation>: <status> <code>: <description>", for
// example "tlpartner: GetWorkspace: 404 workspace_not_found: Workspace not
// found". An empty operation or description is left out; an empty code is
// replaced by the status text (as in "tlpartner: GetWorkspace: 503 Service
// Unavailable").
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(prefix(e.api))
	b.WriteString(": ")
	e.writeDetail(&b)
	return b.String()
}

// detail is Error without the API prefix.
func (e *APIError) detail() string {
	var b strings.Builder
	e.writeDetail(&b)
	return b.String()
}

func (e *APIError) writeDetail(b *strings.Builder) {
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
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
}

// Is reports whether e belongs to the class of target, one of the sentinel
// errors. The client's classifier decided the class when the error was
// built (the error code first, the HTTP status when the code is empty or
// unknown); an APIError built by hand is classified by its status alone
// ([StatusSentinel]).
func (e *APIError) Is(target error) bool {
	if target == nil {
		return false
	}
	c := e.class
	if c == nil {
		c = StatusSentinel(e.StatusCode)
	}
	return c != nil && errors.Is(c, target)
}

func prefix(api string) string {
	if api == "" {
		return defaultAPI
	}
	return api
}

// ValidationError reports input that the SDK rejected before sending any
// request, such as an empty workspace ID or a bad option value.
// errors.Is(err, ErrInvalidRequest) is true for it.
type ValidationError struct {
	// Field names what the caller wrote in Go: a parameter ("workspaceID",
	// "ctx"), a params field ("GenerateQRParams.ExpiresInHours") or an
	// option ("WithHTTPClient").
	Field string
	// Reason says what is wrong with it.
	Reason string

	api string
}

// NewValidationError returns a ValidationError whose message carries the
// prefix api ("tlpartner" or "publicapi"). A ValidationError built as a
// literal uses "tlpartner".
func NewValidationError(api, field, reason string) *ValidationError {
	return &ValidationError{Field: field, Reason: reason, api: api}
}

// Error returns "<api>: invalid <field>: <reason>".
func (e *ValidationError) Error() string {
	return prefix(e.api) + ": invalid " + e.Field + ": " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidRequest) true for validation errors.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidRequest }

// requestIDHeaders are checked in order for [APIError.RequestID].
var requestIDHeaders = []string{"X-Request-Id", "X-Correlation-Id", "X-Amzn-Requestid", "Cf-Ray"}

// newAPIError builds an *APIError from a response whose body has already
// been read. cred, when not empty, is scrubbed from everything the error
// keeps.
func (e *Engine) newAPIError(op string, req *http.Request, resp *http.Response, body []byte, cred string, attempts int) *APIError {
	body = scrubBytes(body, cred)
	body = scrubEscapedJSON(body, cred)
	ae := &APIError{
		Operation:  op,
		StatusCode: resp.StatusCode,
		Attempts:   attempts,
		api:        e.api,
	}
	if req != nil {
		ae.Method = req.Method
		ae.Path = req.URL.EscapedPath()
	}
	if len(body) > MaxErrorBody {
		ae.Body = append([]byte(nil), body[:MaxErrorBody]...)
	} else if len(body) > 0 {
		ae.Body = append([]byte(nil), body...)
	}
	for _, h := range requestIDHeaders {
		if v := resp.Header.Get(h); v != "" {
			ae.RequestID = scrubString(v, cred)
			break
		}
	}
	ae.RetryAfter, _ = ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	ae.Code, ae.Description, ae.Fields = decodeErrorBody(body)
	if ae.Code != "" && !machineCode(ae.Code) {
		// The rate limiter's {"error":"Too Many Requests",…} puts the
		// status text where the Partner envelope puts its code. It is not
		// a code: it becomes the description when there is none, and a
		// 429 without a code gets the documented rate_limit_exceeded.
		if ae.Description == "" {
			ae.Description = ae.Code
		}
		ae.Code = ""
	}
	if ae.Code == "" && resp.StatusCode == http.StatusTooManyRequests {
		ae.Code = CodeRateLimitExceeded
	}
	if cred != "" {
		// JSON escapes (\u0065yJ...) can spell the credential in a form
		// the byte scrub above does not see; scrub the decoded text too.
		ae.Code = scrubString(ae.Code, cred)
		ae.Description = scrubString(ae.Description, cred)
		for i := range ae.Fields {
			ae.Fields[i].Message = scrubString(ae.Fields[i].Message, cred)
			for j := range ae.Fields[i].Fields {
				ae.Fields[i].Fields[j] = scrubString(ae.Fields[i].Fields[j], cred)
			}
		}
	}
	if ae.Description == "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc := resp.Header.Get("Location"); loc != "" {
			ae.Description = shorten(scrubString("redirect to "+loc+" not followed", cred))
		}
	}
	classify := e.classify
	if classify == nil {
		classify = CodeClassifier(nil)
	}
	ae.class = classify(ae.StatusCode, ae.Code, ae.Description)
	return ae
}

// plainCred reports whether cred consists of letters, digits and "-._~"
// only, which JSON and URL escaping leave as they are, so that cred is its
// only variant. Tokens and JWTs do.
func plainCred(cred string) bool {
	for i := 0; i < len(cred); i++ {
		c := cred[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// scrubBytes returns b with every occurrence of cred (and of its
// JSON-escaped forms) replaced by [REDACTED]. b itself is not modified.
func scrubBytes(b []byte, cred string) []byte {
	if cred == "" || len(b) == 0 {
		return b
	}
	for _, v := range credVariants(cred) {
		if bytes.Contains(b, []byte(v)) {
			b = bytes.ReplaceAll(b, []byte(v), []byte(Redacted))
		}
	}
	return b
}

// scrubString is scrubBytes for strings.
func scrubString(s, cred string) string {
	if cred == "" {
		return s
	}
	for _, v := range credVariants(cred) {
		s = strings.ReplaceAll(s, v, Redacted)
	}
	return s
}

// scrubEscapedJSON handles a JSON body that spells cred with escapes
// (\u0065yJ..., \/) that scrubBytes cannot see: when a decoded string of
// the body contains cred, the body is decoded, scrubbed and re-encoded
// (object keys then come out sorted). Other bodies are returned as they
// are.
func scrubEscapedJSON(b []byte, cred string) []byte {
	if cred == "" || !bytes.Contains(b, []byte(`\`)) {
		return b
	}
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[' && trimmed[0] != '"') {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return b
	}
	changed := false
	v = scrubValue(v, cred, &changed)
	if !changed {
		return b
	}
	out, err := json.Marshal(v)
	if err != nil {
		return []byte(Redacted)
	}
	return out
}

// scrubValue replaces cred in every string (and object key) of a decoded
// JSON value.
func scrubValue(v any, cred string, changed *bool) any {
	switch x := v.(type) {
	case string:
		if s := scrubString(x, cred); s != x {
			*changed = true
			return s
		}
		return x
	case []any:
		for i := range x {
			x[i] = scrubValue(x[i], cred, changed)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[scrubValue(k, cred, changed).(string)] = scrubValue(val, cred, changed)
		}
		return out
	}
	return v
}

// credVariants returns cred as sent and the forms a server may echo it
// in: those a JSON encoder may turn it into (a slash escaped as \/, or the
// whole value escaped by Go's encoder) and its URL-escaped forms (in a
// query or a path, for example in a redirect target).
func credVariants(cred string) []string {
	if plainCred(cred) {
		return []string{cred} // does not escape; the literal lives on the caller's stack
	}
	vs := []string{cred}
	add := func(v string) {
		for _, have := range vs {
			if have == v {
				return
			}
		}
		vs = append(vs, v)
	}
	if strings.Contains(cred, "/") {
		add(strings.ReplaceAll(cred, "/", `\/`))
	}
	if q, err := json.Marshal(cred); err == nil {
		add(string(q[1 : len(q)-1]))
	}
	add(url.QueryEscape(cred))
	add(url.PathEscape(cred))
	return vs
}

// errorBody is the union of the documented JSON error shapes.
type errorBody struct {
	Error       json.RawMessage `json:"error"`
	ErrorCode   string          `json:"error_code"`
	Description string          `json:"description"`
	Message     string          `json:"message"`
	Detail      string          `json:"detail"`
	Errors      json.RawMessage `json:"errors"`
}

// decodeFieldErrors decodes the Public API's "errors" list, tolerating a
// single string in place of the "fields" list; any other shape is ignored.
func decodeFieldErrors(raw json.RawMessage) []FieldError {
	var list []struct {
		Fields json.RawMessage `json:"fields"`
		Msg    string          `json:"msg"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []FieldError
	for _, fe := range list {
		f := FieldError{Message: fe.Msg}
		var one string
		if json.Unmarshal(fe.Fields, &f.Fields) != nil && json.Unmarshal(fe.Fields, &one) == nil && one != "" {
			f.Fields = []string{one}
		}
		out = append(out, f)
	}
	return out
}

// CodeRateLimitExceeded is the documented error code of a 429, which
// [APIError.Code] holds when the server sent none (the rate limiter sends
// only the status text, "Too Many Requests").
const CodeRateLimitExceeded = "rate_limit_exceeded"

// machineCode reports whether s looks like an error code
// ("workspace_not_found", "quota-exceeded", "E1001") rather than prose
// ("Too Many Requests"): no whitespace.
func machineCode(s string) bool {
	return strings.IndexFunc(s, unicode.IsSpace) < 0
}

// decodeErrorBody extracts an error code, a description and field errors
// from any body.
func decodeErrorBody(body []byte) (code, desc string, fields []FieldError) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "", "", nil
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
			return code, shorten(desc), decodeFieldErrors(eb.Errors)
		}
	}
	return "", textSummary(trimmed), nil
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

// ParseRetryAfter parses a Retry-After value: delay-seconds (fractions are
// tolerated) or an HTTP date. ok is false for an absent or invalid value.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
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

// detailer is implemented by the engine's errors: their message without
// the "<api>: " prefix.
type detailer interface{ detail() string }

// abortedError is returned when the context ends between attempts (or
// while waiting for the rate limiter before a retry). It matches both the
// context error and the last attempt's error, so errors.Is(err,
// context.Canceled) and errors.As(err, &apiErr) both work.
type abortedError struct {
	api    string
	op     string
	ctxErr error
	last   error
}

func (e *abortedError) Error() string {
	last := e.last.Error()
	if d, ok := e.last.(detailer); ok {
		last = strings.TrimPrefix(d.detail(), e.op+": ")
	}
	return prefix(e.api) + ": " + e.op + ": " + e.ctxErr.Error() + " (last attempt: " + last + ")"
}

func (e *abortedError) Unwrap() []error { return []error{e.ctxErr, e.last} }

// requestError wraps a transport failure with the operation that failed.
type requestError struct {
	api string
	op  string
	err error
	msg string // err's text with the credential scrubbed
	// attempts is the number of HTTP attempts made when the request
	// failed in transport (dial, connection dropped); 0 when no attempt
	// was made (a context that ended first, a limiter that refused).
	attempts int
}

func (e *requestError) Error() string { return prefix(e.api) + ": " + e.detail() }
func (e *requestError) detail() string {
	msg := e.msg
	if msg == "" {
		msg = e.err.Error()
	}
	if errors.Is(e.err, io.EOF) || errors.Is(e.err, io.ErrUnexpectedEOF) {
		msg += " (the server closed the connection without a complete answer)"
	}
	switch {
	case e.attempts == 1:
		msg += " (1 attempt)"
	case e.attempts > 1:
		msg += fmt.Sprintf(" (%d attempts)", e.attempts)
	}
	return e.op + ": " + msg
}
func (e *requestError) Unwrap() error { return e.err }

// refreshError is returned when the on-401 refresh hook fails. It matches
// both the refresh failure and the 401.
type refreshError struct {
	api  string
	op   string
	err  error
	last *APIError
}

func (e *refreshError) Error() string {
	return fmt.Sprintf("%s: %s: refresh credentials after 401: %v", prefix(e.api), e.op, e.err)
}

func (e *refreshError) Unwrap() []error { return []error{e.err, e.last} }
