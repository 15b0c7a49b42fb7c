package tlpartnertest

import (
	"net/http"
	"strings"
	"time"
)

// FaultKind selects what an injected fault does to a request.
type FaultKind int

// The fault kinds [Server.InjectFaults] understands.
const (
	// Fault429 answers 429 with the rate-limit body of the docs
	// {"error":"Too Many Requests","message":"Rate limit exceeded. ..."}.
	Fault429 FaultKind = iota + 1
	// Fault503 answers 503 with the error envelope, code service_unavailable.
	Fault503
	// FaultDelay waits Fault.Delay, then serves the request normally.
	FaultDelay
	// FaultDrop closes the TCP connection without any answer. Note that
	// Go's http.Transport may itself resend a GET (or another idempotent
	// request) that was dropped on a reused keep-alive connection, so the
	// caller may never see the failure; POSTs are not resent.
	FaultDrop
	// FaultLoseResponse serves the request normally (a send is queued,
	// credits are charged, the request is logged with its status) and
	// then closes the connection instead of answering: the response lost
	// after processing that makes a send ambiguous.
	FaultLoseResponse
)

// String returns the fault kind's name.
func (k FaultKind) String() string {
	switch k {
	case Fault429:
		return "429"
	case Fault503:
		return "503"
	case FaultDelay:
		return "delay"
	case FaultDrop:
		return "drop"
	case FaultLoseResponse:
		return "lose-response"
	}
	return "none"
}

// Fault describes failures to inject into the next matching API requests
// of either API, Partner or Public (QR pages and file downloads are never
// affected). Faults apply before authentication, like a
// rate limiter or proxy in front of the real service.
type Fault struct {
	// Kind is what happens to a matching request.
	Kind FaultKind
	// Count is how many matching requests are affected; values below 1
	// mean 1.
	Count int
	// Delay is the pause for FaultDelay (default 100 ms).
	Delay time.Duration
	// Path, when set, limits the fault to requests whose path starts with
	// it, either relative to the API base ("/workspaces/acme/users",
	// "/messages") or absolute ("/partner/api/v1/workspaces",
	// "/integrations/api/messages").
	Path string
	// Method, when set, limits the fault to requests with this HTTP method.
	Method string
	// RetryAfter, when positive, adds a Retry-After header (whole seconds,
	// rounded up) to Fault429 answers. The real service documents none.
	RetryAfter time.Duration
}

type faultRule struct {
	Fault
	left int
}

// InjectFaults queues faults. Each API request consumes one count of the
// first queued fault that matches it; faults added by separate calls are
// used in the order they were added. For example
//
//	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Count: 2})
//
// makes the next two API requests fail with 503.
func (s *Server) InjectFaults(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		if f.Count < 1 {
			f.Count = 1
		}
		if f.Kind == FaultDelay && f.Delay <= 0 {
			f.Delay = 100 * time.Millisecond
		}
		s.faults = append(s.faults, &faultRule{Fault: f, left: f.Count})
	}
}

// PendingFaults returns how many injected fault counts are not used yet.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.left
	}
	return n
}

// ClearFaults drops every fault not used yet.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

func (s *Server) takeFault(method, rel, full string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.Path != "" && !strings.HasPrefix(rel, f.Path) && !strings.HasPrefix(full, f.Path) {
			continue
		}
		f.left--
		out := f.Fault
		if f.left <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return &out
	}
	return nil
}

// RecordedRequest is one API request received by the fake, as returned by
// [Server.Requests].
type RecordedRequest struct {
	// Time is when the request arrived (real clock).
	Time time.Time
	// Method and Path are the HTTP method and the full URL path
	// (including /partner/api/v1 or /integrations/api).
	Method, Path string
	// RawQuery is the URL query string without '?'.
	RawQuery string
	// Header is a copy of the request headers with the Authorization value
	// replaced by "[redacted]".
	Header http.Header
	// Body is the raw request body.
	Body []byte
	// PartnerID is the authenticated partner, or "" if authentication
	// failed or a fault answered first.
	PartnerID string
	// WorkspaceID is, for a Public API request, the workspace whose token
	// authenticated it; "" for Partner API requests and failed
	// authentication.
	WorkspaceID string
	// StatusCode is the status the fake answered with; 0 when the
	// connection was dropped or the client went away.
	StatusCode int
	// Fault is the injected fault that hit this request, or 0.
	Fault FaultKind
}

// Requests returns a copy of the log of API requests, oldest first. QR-page
// traffic is not logged.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RecordedRequest, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		r.Body = append([]byte(nil), r.Body...)
		out[i] = r
	}
	return out
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}

func redactHeader(h http.Header) http.Header {
	c := h.Clone()
	if _, ok := c["Authorization"]; ok {
		c["Authorization"] = []string{"[redacted]"}
	}
	return c
}
