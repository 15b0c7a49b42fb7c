package tlhttp

import (
	"context"
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// CallOption changes one call of a client operation; see the package
// documentation for the convention. Build them with [WithTimeout],
// [WithHeader], [WithMaxRetries] and [WithResponseMeta].
type CallOption func(*CallSettings)

// CallSettings is what the call options of one call add up to, as
// returned by [ApplyCallOptions]. The clients read it; code that wraps a
// client may read it too.
type CallSettings struct {
	// Timeout bounds the whole call (rate-limit waits, attempts and
	// backoff); 0 means only the context's own deadline applies.
	Timeout time.Duration
	// Header holds the extra request headers, in canonical form; nil when
	// there are none.
	Header http.Header
	// MaxRetries replaces the client's retry budget (RetryPolicy.MaxRetries)
	// for this call; -1 keeps the client's.
	MaxRetries int
	// Response, when not nil, receives the metadata of the call when it
	// ends, successful or not.
	Response *ResponseMeta

	badOption, badReason string
}

// ApplyCallOptions applies opts in order to the settings of a call
// without options (MaxRetries -1) and returns the result. Nil options are
// ignored.
func ApplyCallOptions(opts []CallOption) CallSettings {
	s := CallSettings{MaxRetries: -1}
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	return s
}

// Invalid returns the first invalid option and why, or two empty strings.
// The clients turn it into their *ValidationError with Field set to the
// option's name.
func (s *CallSettings) Invalid() (option, reason string) { return s.badOption, s.badReason }

func (s *CallSettings) fail(option, reason string) {
	if s.badOption == "" {
		s.badOption, s.badReason = option, reason
	}
}

// WithTimeout bounds the whole call by d, as a context deadline would:
// rate-limit waits, every attempt and every backoff wait. The context's own
// deadline still applies when it is earlier. 0 means no per-call timeout
// (the default); a negative d is invalid.
func WithTimeout(d time.Duration) CallOption {
	return func(s *CallSettings) {
		if d < 0 {
			s.fail("WithTimeout", "must not be negative")
			return
		}
		s.Timeout = d
	}
}

// reservedHeaders are set by the SDK itself and cannot be set per call:
// the credentials, the partner ID that must match the JWT, and what
// net/http or the client derives from the request.
var reservedHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"X-Tl-Partner-Id":     true,
	"Host":                true,
	"Content-Length":      true,
	"Content-Type":        true,
	"Transfer-Encoding":   true,
	"Connection":          true,
	"User-Agent":          true, // use the clients' WithUserAgent
}

// WithHeader adds a request header to every attempt of the call; several
// values of one key add up. The key must be a valid header name and the
// value must not contain control characters. Headers the SDK sets itself
// are refused: Authorization, Proxy-Authorization, X-TL-Partner-Id, Host,
// Content-Length, Content-Type, Transfer-Encoding, Connection and
// User-Agent (use the clients' WithUserAgent).
func WithHeader(key, value string) CallOption {
	return func(s *CallSettings) {
		if !validHeaderName(key) {
			s.fail("WithHeader", "invalid header name")
			return
		}
		ck := textproto.CanonicalMIMEHeaderKey(key)
		if reservedHeaders[ck] {
			s.fail("WithHeader", ck+" is set by the client and cannot be set per call")
			return
		}
		if strings.ContainsFunc(value, func(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }) {
			s.fail("WithHeader", "value must not contain control characters")
			return
		}
		if s.Header == nil {
			s.Header = make(http.Header, 1)
		}
		s.Header[ck] = append(s.Header[ck], value)
	}
}

// validHeaderName reports whether k is a non-empty RFC 9110 token.
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// WithMaxRetries replaces the client's retry budget for this call: at most
// n retries after the first attempt (0 disables retries). Which failures
// are retried still follows from the operation's retry class. n must not
// be negative.
func WithMaxRetries(n int) CallOption {
	return func(s *CallSettings) {
		if n < 0 {
			s.fail("WithMaxRetries", "must not be negative")
			return
		}
		s.MaxRetries = n
	}
}

// WithResponseMeta makes the call store its [ResponseMeta] in *m when it
// ends, whether it succeeded or failed (fields that are unknown, such as
// the status after a network failure, are zero). A nil m stores nothing,
// the default (the module's nil rule: a nil argument means the default).
func WithResponseMeta(m *ResponseMeta) CallOption {
	return func(s *CallSettings) { s.Response = m }
}

// ResponseMeta describes how a call went on the wire. Credentials the
// client sent are replaced by "[REDACTED]" wherever the server echoed them.
type ResponseMeta struct {
	// StatusCode is the HTTP status of the final response; 0 when no
	// response arrived (network failure, cancelled context, invalid input).
	StatusCode int `json:"status_code"`
	// RequestID is the server's request identifier of the final response
	// (X-Request-Id, X-Correlation-Id, X-Amzn-Requestid or Cf-Ray), or "".
	RequestID string `json:"request_id,omitempty"`
	// Header holds the headers of the final response; nil without one.
	Header http.Header `json:"header,omitempty"`
	// Attempts is the number of HTTP attempts made, retries and a resend
	// after a token refresh included.
	Attempts int `json:"attempts"`
	// RateLimitWait is the total time the call waited for the client's
	// rate limiter, over all attempts.
	RateLimitWait time.Duration `json:"rate_limit_wait"`
	// Duration is the time from the start of the call to its end.
	Duration time.Duration `json:"duration"`
}

// RetryClass says which failures of an operation the clients retry; the
// package documentation of each client lists the class of every
// operation.
type RetryClass uint8

const (
	// RetryUnsent retries only failures where the server provably did not
	// receive or process the request: a 429 that is not a quota error, and
	// a connection that could not be established. Operations that create
	// things, queue work or use credits have this class.
	RetryUnsent RetryClass = iota
	// RetrySafe additionally retries other network errors and 502, 503 and
	// 504, because repeating the request is harmless.
	RetrySafe
)

// String returns "unsent" or "safe".
func (c RetryClass) String() string {
	if c == RetrySafe {
		return "safe"
	}
	return "unsent"
}

// Next sends the request of an attempt on to the next middleware, and
// after the last one to the client's authentication and transport.
type Next func(req *http.Request) (*http.Response, error)

// Middleware wraps every HTTP attempt of a client (WithMiddleware). It may
// inspect or change req (or pass on a changed copy), call next at most
// once, inspect the response, or answer without calling next at all (a
// short-circuit: the client treats the answer as the server's).
//
// The request carries the attempt's [Attempt] in its context
// ([AttemptFromContext]) and no credentials: the client adds them after
// the innermost middleware. The response returned by next has its body
// already read: it is an in-memory reader that a middleware may read
// without taking anything from the client (which decodes the bytes it
// read, unless a middleware puts a different Body in place); closing it
// is optional. The credential is scrubbed from its body and headers
// where the server echoed it, and in every
// request reachable from it, the Authorization header reads
// "Bearer [REDACTED]". An error returned by next is the transport's; a
// middleware may return it unchanged, which keeps the client's retry rules
// for network errors, or return an error of its own, which ends the call
// without a retry.
type Middleware func(req *http.Request, next Next) (*http.Response, error)

// Attempt describes the HTTP attempt a [Middleware] runs for.
type Attempt struct {
	// API is "tlpartner" for the Partner API client and "publicapi" for
	// the Public API client.
	API string `json:"api"`
	// Operation is the name of the client method, e.g. "GetWorkspace".
	Operation string `json:"operation"`
	// RetryClass is the operation's retry class.
	RetryClass RetryClass `json:"retry_class"`
	// Number is the attempt number, starting at 1.
	Number int `json:"number"`
	// RateLimitWait is how long this attempt waited for the client's rate
	// limiter before it started.
	RateLimitWait time.Duration `json:"rate_limit_wait"`
	// RateLimited reports whether the client has a rate limiter, so that
	// RateLimitWait is meaningful.
	RateLimited bool `json:"rate_limited"`
}

type attemptKey struct{}

// ContextWithAttempt returns a copy of ctx that carries a. The clients
// call it for every attempt; tests of a middleware can call it to build
// the request a client would pass.
func ContextWithAttempt(ctx context.Context, a *Attempt) context.Context {
	return context.WithValue(ctx, attemptKey{}, a)
}

// AttemptFromContext returns the attempt carried by ctx, and whether
// there was one; in a [Middleware], use req.Context().
func AttemptFromContext(ctx context.Context) (Attempt, bool) {
	a, ok := ctx.Value(attemptKey{}).(*Attempt)
	if !ok || a == nil {
		return Attempt{}, false
	}
	return *a, true
}

// Operation describes one call of a client method to an [Observer].
type Operation struct {
	// API is "tlpartner" or "publicapi".
	API string `json:"api"`
	// Name is the name of the client method, e.g. "SendToPhone".
	Name string `json:"name"`
	// RetryClass is the operation's retry class.
	RetryClass RetryClass `json:"retry_class"`
	// Method is the HTTP method of the request.
	Method string `json:"method"`
	// ServerAddress is the host name or IP address of the API server.
	ServerAddress string `json:"server_address"`
	// ServerPort is the port of the API server (443 or 80 when the base
	// URL names none).
	ServerPort int `json:"server_port"`
	// RateLimited reports whether the client has a rate limiter, so that
	// the operation's RateLimitWait is meaningful.
	RateLimited bool `json:"rate_limited"`
	// WorkspaceID is the TimelinesAI workspace the call acts on, when
	// known: the workspace_id of a Partner API call, or the workspace of
	// a Public API client opened by the Partner client's PublicAPI or
	// PublicAPIPool (or given publicapi.WithWorkspaceID). It is empty for
	// CreateWorkspace and for a Public API client made from a bare token.
	// Workspace IDs are not secrets, but there may be thousands: fit for
	// a span attribute or a log field, not for a metric label.
	WorkspaceID string `json:"workspace_id,omitempty"`
}

// Observer sees every operation of a client from start to end
// (WithObserver). StartOperation is called once per call, after the
// arguments and call options were validated and before the first attempt;
// the context it returns is the one the attempts, the middleware and the
// rate limiter see (it may carry a span, for example). The function it
// returns is called exactly once, when the call ends, with the call's
// metadata and its error (nil on success); meta.Header may be the
// response's own header map and must not be modified. Both must be safe
// for concurrent use.
type Observer interface {
	StartOperation(ctx context.Context, op Operation) (context.Context, func(meta ResponseMeta, err error))
}

// DeliveryOutcome is how a webhook handler answered a delivery.
type DeliveryOutcome string

// The outcomes of a webhook delivery.
const (
	// DeliveryHandled: the event was parsed and its callback (if any)
	// returned nil; the answer was 200.
	DeliveryHandled DeliveryOutcome = "handled"
	// DeliveryDuplicate: the event's de-duplication key was already
	// claimed; the answer was 200 and no callback ran.
	DeliveryDuplicate DeliveryOutcome = "duplicate"
	// DeliveryRejected: the delivery was refused before any callback
	// (wrong method, failed authentication, body too large or
	// unparseable); the answer was 4xx.
	DeliveryRejected DeliveryOutcome = "rejected"
	// DeliveryFailed: the callback returned an error; the answer was 500
	// so that the sender retries.
	DeliveryFailed DeliveryOutcome = "failed"
)

// Delivery describes how a webhook handler dealt with one delivery. It
// carries no part of the body, no header and no secret.
type Delivery struct {
	// Receiver names the handler: "webhooks" (signed Partner webhooks) or
	// "events" (Public API webhooks).
	Receiver string `json:"receiver"`
	// EventType is the event's type, or "" when the delivery was rejected
	// before it was parsed. For an event type the SDK does not know it is
	// whatever the sender wrote.
	EventType string `json:"event_type,omitempty"`
	// UnknownType reports an event type the SDK does not know (the event
	// was delivered as an UnknownEvent); metrics should not use such a
	// type as an attribute value as it is.
	UnknownType bool `json:"unknown_type"`
	// Outcome is how the delivery was answered.
	Outcome DeliveryOutcome `json:"outcome"`
	// StatusCode is the HTTP status the handler answered with.
	StatusCode int `json:"status_code"`
	// Reason says why a delivery was rejected ("method not allowed",
	// "authentication failed", "body too large", "unreadable body",
	// "malformed body"), or "".
	Reason string `json:"reason,omitempty"`
}

// DeliveryObserver sees every delivery a webhook handler serves
// (WithDeliveryObserver). StartDelivery is called when the request
// arrives, before anything is checked; the context it returns is the one
// the callbacks see (it may carry a server span, for example). The
// function it returns is called exactly once, when the answer has been
// written, also when a callback panics (the panic then continues). Both
// must be safe for concurrent use.
type DeliveryObserver interface {
	StartDelivery(r *http.Request, receiver string) (context.Context, func(Delivery))
}
