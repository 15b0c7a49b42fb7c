package engine

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"golang.org/x/time/rate"
)

// testEngine returns an engine for api whose transport answers with the
// responders in turn (the last one repeats), authorizing every attempt
// with the token returned by tok.
func testEngine(t *testing.T, cfg Config, tok func() string, rs ...httpmock.Responder) (*Engine, *atomic.Int64) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	var n atomic.Int64
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		i := int(n.Add(1)) - 1
		return rs[min(i, len(rs)-1)](req)
	})
	if cfg.API == "" {
		cfg.API = "publicapi"
	}
	cfg.HTTPClient = &http.Client{Transport: mt}
	cfg.Retry = RetryPolicy{MaxRetries: 2, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond}
	cfg.Authorize = func(r *http.Request) (string, error) {
		s := tok()
		r.Header.Set("Authorization", "Bearer "+s)
		return s, nil
	}
	return New(cfg), &n
}

func respond(status int, body string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	}
}

func post(t *testing.T, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "https://api.test/v1/messages", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestRefreshOn401: a 401 calls the refresh hook once and resends the
// request once, even for an operation that is otherwise never retried; the
// body is sent again in full.
func TestRefreshOn401(t *testing.T) {
	t.Parallel()
	var token atomic.Value
	token.Store("old-token")
	var refreshes atomic.Int64
	var bodies []string
	rec := func(status int, body string) httpmock.Responder {
		return func(req *http.Request) (*http.Response, error) {
			b, _ := io.ReadAll(req.Body)
			bodies = append(bodies, req.Header.Get("Authorization")+" "+string(b))
			return respond(status, body)(req)
		}
	}
	e, n := testEngine(t, Config{Refresh: func(context.Context, string) error {
		refreshes.Add(1)
		token.Store("new-token")
		return nil
	}}, func() string { return token.Load().(string) },
		rec(401, "Unauthorized"), rec(200, `{"status":"ok"}`))
	_, body, err := e.Send(context.Background(), Op{Name: "SendToPhone", Retry: RetryUnsent}, post(t, `{"text":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != `{"status":"ok"}` || n.Load() != 2 || refreshes.Load() != 1 {
		t.Fatalf("body %q, attempts %d, refreshes %d", body, n.Load(), refreshes.Load())
	}
	want := []string{`Bearer old-token {"text":"hi"}`, `Bearer new-token {"text":"hi"}`}
	if strings.Join(bodies, "|") != strings.Join(want, "|") {
		t.Fatalf("sent %q, want %q", bodies, want)
	}

	// A second 401 is returned: one refresh per call.
	refreshes.Store(0)
	e, n = testEngine(t, Config{Refresh: func(context.Context, string) error { refreshes.Add(1); return nil }},
		func() string { return "tok-1234567890" }, respond(401, `{"status":"error","message":"Invalid or expired token tok-1234567890"}`))
	_, _, err = e.Send(context.Background(), Op{Name: "SendToPhone", Retry: RetryUnsent}, post(t, `{}`))
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 401 || ae.Attempts != 2 || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v (%+v)", err, ae)
	}
	if n.Load() != 2 || refreshes.Load() != 1 {
		t.Fatalf("attempts %d, refreshes %d", n.Load(), refreshes.Load())
	}
	if strings.Contains(err.Error(), "tok-1234567890") || !strings.Contains(err.Error(), "publicapi: SendToPhone: 401 Unauthorized: Invalid or expired token [REDACTED]") {
		t.Fatalf("err = %q", err)
	}

	// A failing refresh is reported with the 401.
	boom := errors.New("partner API down")
	e, _ = testEngine(t, Config{Refresh: func(context.Context, string) error { return boom }}, func() string { return "tok-secret-123" }, respond(401, "no"))
	_, _, err = e.Send(context.Background(), Op{Name: "GetChat", Retry: RetrySafe}, post(t, ``))
	if !errors.Is(err, boom) || !errors.Is(err, ErrUnauthorized) || err.Error() != "publicapi: GetChat: refresh credentials after 401: partner API down" {
		t.Fatalf("err = %v", err)
	}

	// Without a hook a 401 is final.
	e, n = testEngine(t, Config{}, func() string { return "tok-secret-123" }, respond(401, "no"))
	_, _, err = e.Send(context.Background(), Op{Name: "GetChat", Retry: RetrySafe}, post(t, ``))
	if !errors.Is(err, ErrUnauthorized) || n.Load() != 1 {
		t.Fatalf("err = %v after %d attempts", err, n.Load())
	}
}

// TestErrorIn2xx: a 200 whose body says "status":"error" is an *APIError,
// classified by its code, with the field errors kept.
func TestErrorIn2xx(t *testing.T) {
	t.Parallel()
	codes := map[string]error{"not_found": ErrNotFound, "validation_error": ErrInvalidRequest}
	body := `{"status":"error","message":"Invalid payload","error_code":"validation_error","errors":[{"fields":["body","phone"],"msg":"must be E.164"}]}`
	e, n := testEngine(t, Config{ErrorIn2xx: HasErrorStatus, Classify: CodeClassifier(codes)}, func() string { return "tok-secret-123" }, respond(200, body))
	resp, _, err := e.Send(context.Background(), Op{Name: "SendToPhone", Retry: RetrySafe}, post(t, `{}`))
	var ae *APIError
	if !errors.As(err, &ae) || resp == nil {
		t.Fatalf("err = %v, resp = %v", err, resp)
	}
	if ae.StatusCode != 200 || ae.Code != "validation_error" || ae.Description != "Invalid payload" || !errors.Is(err, ErrInvalidRequest) || n.Load() != 1 {
		t.Fatalf("%+v", ae)
	}
	if len(ae.Fields) != 1 || strings.Join(ae.Fields[0].Fields, ",") != "body,phone" || ae.Fields[0].Message != "must be E.164" {
		t.Fatalf("fields = %+v", ae.Fields)
	}
	if ae.Error() != "publicapi: SendToPhone: 200 validation_error: Invalid payload" {
		t.Fatalf("Error() = %q", ae.Error())
	}

	for in, want := range map[string]bool{
		`{"status":"error","message":"x"}`: true, ` {"status" : "ERROR"}`: true, `{"status":"ok","data":{"status":"error"}}`: false,
		`{"status":"ok","data":{"error":1}}`: false, `[]`: false, ``: false, `{"status":1,"error":2}`: false, `{"status":"error"`: false,
		`{"data":{"status":"error"},"status":"ok"}`: false, `{"message":"x","status":"Error"}`: true, `{"status":"ok"`: false,
		`{"status":"ok","data":{}}`: false, `{"status":"okay"}`: false, `{"status":"ok ","message":"x"}`: false, `{"status":"error","data":{"status":"ok"}}`: true,
	} {
		if got := HasErrorStatus([]byte(in)); got != want {
			t.Errorf("HasErrorStatus(%q) = %v", in, got)
		}
	}
}

// TestClassifierJoin: a classifier may put a response in two classes.
func TestClassifierJoin(t *testing.T) {
	t.Parallel()
	both := errors.Join(ErrForbidden, ErrUnauthorized)
	e, _ := testEngine(t, Config{Classify: func(int, string, string) error { return both }}, func() string { return "tok-secret-123" }, respond(403, ""))
	_, _, err := e.Send(context.Background(), Op{Name: "X"}, post(t, ""))
	if !errors.Is(err, ErrForbidden) || !errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	// By default 403 is ErrForbidden only.
	e, _ = testEngine(t, Config{}, func() string { return "tok-secret-123" }, respond(403, ""))
	_, _, err = e.Send(context.Background(), Op{Name: "X"}, post(t, ""))
	if !errors.Is(err, ErrForbidden) || errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
}

// TestQuota429NotRetried: a 429 classified as ErrQuotaExceeded is final;
// an ordinary 429 is retried even for RetryUnsent.
func TestQuota429NotRetried(t *testing.T) {
	t.Parallel()
	codes := map[string]error{"quota_exceeded": ErrQuotaExceeded}
	e, n := testEngine(t, Config{Classify: CodeClassifier(codes)}, func() string { return "tok-secret-123" }, respond(429, `{"error_code":"quota_exceeded"}`))
	_, _, err := e.Send(context.Background(), Op{Name: "X", Retry: RetrySafe}, post(t, ""))
	if !errors.Is(err, ErrQuotaExceeded) || n.Load() != 1 {
		t.Fatalf("err = %v after %d attempts", err, n.Load())
	}
	e, n = testEngine(t, Config{Classify: CodeClassifier(codes)}, func() string { return "tok-secret-123" }, respond(429, `{}`), respond(200, `{}`))
	_, _, err = e.Send(context.Background(), Op{Name: "X", Retry: RetryUnsent}, post(t, "{}"))
	if err != nil || n.Load() != 2 {
		t.Fatalf("err = %v after %d attempts", err, n.Load())
	}
	e, n = testEngine(t, Config{}, func() string { return "tok-secret-123" }, respond(503, ``))
	_, _, err = e.Send(context.Background(), Op{Name: "X", Retry: RetryUnsent}, post(t, "{}"))
	if !errors.Is(err, ErrServer) || n.Load() != 1 {
		t.Fatalf("err = %v after %d attempts", err, n.Load())
	}
}

// TestCommonHeaders: Send sets Accept, User-Agent and Content-Type only
// for a body, and keeps a Content-Type the client chose.
func TestCommonHeaders(t *testing.T) {
	t.Parallel()
	var got []http.Header
	rec := func(req *http.Request) (*http.Response, error) {
		got = append(got, req.Header.Clone())
		return respond(200, "{}")(req)
	}
	e, _ := testEngine(t, Config{Product: "tlpartner-go/1", Settings: Settings{UserAgent: "acme/2"}}, func() string { return "tok-secret-123" }, rec)
	req, _ := http.NewRequest(http.MethodGet, "https://api.test/v1/x", nil)
	if _, _, err := e.Send(context.Background(), Op{Name: "X"}, req); err != nil {
		t.Fatal(err)
	}
	req = post(t, "--b--")
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	if _, _, err := e.Send(context.Background(), Op{Name: "X"}, req); err != nil {
		t.Fatal(err)
	}
	if h := got[0]; h.Get("Accept") != "application/json" || h.Get("User-Agent") != "tlpartner-go/1 acme/2" || h.Get("Content-Type") != "" || h.Get("Authorization") != "Bearer tok-secret-123" {
		t.Errorf("GET headers %v", h)
	}
	if h := got[1]; h.Get("Content-Type") != "multipart/form-data; boundary=b" {
		t.Errorf("POST headers %v", h)
	}
}

func TestNilContext(t *testing.T) {
	t.Parallel()
	e, n := testEngine(t, Config{}, func() string { return "tok-secret-123" }, respond(200, "{}"))
	//lint:ignore SA1012 testing the nil check
	_, _, err := e.Send(nil, Op{Name: "X"}, post(t, "")) //nolint:staticcheck
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "ctx" || err.Error() != "publicapi: invalid ctx: must not be nil" || n.Load() != 0 {
		t.Fatalf("err = %v", err)
	}
}

func TestValidationErrorPrefix(t *testing.T) {
	t.Parallel()
	if got := (&ValidationError{Field: "workspaceID", Reason: "must not be empty"}).Error(); got != "tlpartner: invalid workspaceID: must not be empty" {
		t.Errorf("literal: %q", got)
	}
	if got := NewValidationError("publicapi", "phone", "must be E.164").Error(); got != "publicapi: invalid phone: must be E.164" {
		t.Errorf("constructed: %q", got)
	}
	if !errors.Is(NewValidationError("publicapi", "x", "y"), ErrInvalidRequest) {
		t.Error("not ErrInvalidRequest")
	}
	s := DefaultSettings("publicapi")
	if err := s.SetMaxRetries(-1); err == nil || err.Error() != "publicapi: invalid WithMaxRetries: must not be negative" {
		t.Errorf("SetMaxRetries(-1) = %v", err)
	}
}

// TestDefaultTransport: a clone of http.DefaultTransport (proxy kept) that
// keeps DefaultMaxIdleConnsPerHost idle connections, new per engine.
func TestDefaultTransport(t *testing.T) {
	t.Parallel()
	e1, e2 := New(Config{}), New(Config{})
	tr, ok := e1.HTTPClient().Transport.(*http.Transport)
	if !ok || tr == http.DefaultTransport || tr == e2.HTTPClient().Transport {
		t.Fatalf("transport %T %p is not a private clone", e1.HTTPClient().Transport, tr)
	}
	if tr.Proxy == nil || tr.MaxIdleConnsPerHost != DefaultMaxIdleConnsPerHost || tr.MaxIdleConns < DefaultMaxIdleConnsPerHost {
		t.Fatalf("proxy %v, MaxIdleConnsPerHost %d, MaxIdleConns %d", tr.Proxy != nil, tr.MaxIdleConnsPerHost, tr.MaxIdleConns)
	}
	if e1.HTTPClient().Timeout != 0 || e1.HTTPClient().CheckRedirect == nil {
		t.Fatal("default client has a timeout or no redirect policy")
	}
	e1.CloseIdleConnections() // must not panic on a fresh client
	// A caller's client is copied, not modified.
	hc := &http.Client{}
	e3 := New(Config{Settings: Settings{HTTPClient: hc}})
	if hc.CheckRedirect != nil || e3.HTTPClient() == hc || e3.HTTPClient().CheckRedirect == nil {
		t.Fatal("the caller's client was modified or not given the redirect policy")
	}
}

// TestRedactResponse: every request reachable from the response is a
// redacted clone; the originals keep their headers.
func TestRedactResponse(t *testing.T) {
	t.Parallel()
	mk := func(u string, prev *http.Response) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, u, nil)
		r.Header.Set("Authorization", "Bearer live-"+u)
		r.Header.Set("Proxy-Authorization", "Basic x")
		r.Response = prev
		return r
	}
	r1 := mk("https://a.test/1", nil)
	resp1 := &http.Response{StatusCode: 307, Request: r1}
	r2 := mk("https://a.test/2", resp1)
	resp2 := &http.Response{StatusCode: 307, Request: r2}
	r3 := mk("https://a.test/3", resp2)
	final := &http.Response{StatusCode: 200, Request: r3}
	RedactResponse(final)
	hops := 0
	for r := final; r != nil && r.Request != nil; r = r.Request.Response {
		hops++
		if a := r.Request.Header.Get("Authorization"); a != "Bearer [REDACTED]" {
			t.Errorf("hop %d: Authorization %q", hops, a)
		}
		if a := r.Request.Header.Get("Proxy-Authorization"); a != Redacted {
			t.Errorf("hop %d: Proxy-Authorization %q", hops, a)
		}
	}
	if hops != 3 {
		t.Fatalf("%d hops, want 3", hops)
	}
	if r1.Header.Get("Authorization") != "Bearer live-https://a.test/1" || resp1.Request != r1 || r2.Response != resp1 {
		t.Fatal("the original chain was modified")
	}
	RedactResponse(nil)
	RedactResponse(&http.Response{})
}

// failingLimiter fails without the context being done.
type failingLimiter struct{}

func (failingLimiter) Wait(context.Context) error { return errors.New("redis: connection refused") }

// TestLimiterErrors: how limiter failures surface.
func TestLimiterErrors(t *testing.T) {
	t.Parallel()
	e, n := testEngine(t, Config{Settings: Settings{Limiter: failingLimiter{}}}, func() string { return "tok-secret-123" }, respond(200, "{}"))
	_, _, err := e.Send(context.Background(), Op{Name: "GetChat"}, post(t, ""))
	if err == nil || err.Error() != "publicapi: GetChat: rate limit wait: redis: connection refused" || errors.Is(err, context.DeadlineExceeded) || n.Load() != 0 {
		t.Fatalf("err = %v", err)
	}
	// A *rate.Limiter refusing a wait past the deadline.
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	lim.Allow()
	e, n = testEngine(t, Config{Settings: Settings{Limiter: lim}}, func() string { return "tok-secret-123" }, respond(200, "{}"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _, err = e.Send(ctx, Op{Name: "GetChat"}, post(t, ""))
	if !errors.Is(err, context.DeadlineExceeded) || n.Load() != 0 || ctx.Err() != nil {
		t.Fatalf("err = %v", err)
	}
}

// TestLimiterNoAllocs: without a limiter, and with a limiter that has
// tokens left, waiting allocates nothing.
func TestLimiterNoAllocs(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://x.test/v1/workspaces/w", nil)
	for _, l := range []Limiter{nil, rate.NewLimiter(1, 1e6)} {
		e := New(Config{Settings: Settings{Limiter: l}})
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := e.waitForLimiter(context.Background(), "GetWorkspace", req, 0); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Fatalf("limiter %v: allocs = %v, want 0", l, allocs)
		}
	}
}

// TestNoReplayWithoutGetBody: a request whose body cannot be rebuilt (a
// streamed upload from a plain io.Reader: Body set, GetBody nil) is sent
// exactly once. Neither a 429, a dial failure nor a 401 with a refresh
// hook resends it, since a second attempt would carry an empty or
// truncated body.
func TestNoReplayWithoutGetBody(t *testing.T) {
	t.Parallel()
	streamed := func() *http.Request {
		req, err := http.NewRequest(http.MethodPost, "https://api.test/v1/files_upload", io.MultiReader(strings.NewReader("part")))
		if err != nil {
			t.Fatal(err)
		}
		if req.GetBody != nil {
			t.Fatal("a MultiReader body must not be rewindable")
		}
		return req
	}
	var refreshes atomic.Int64
	for _, first := range []httpmock.Responder{
		respond(429, "slow down"),
		respond(401, "Unauthorized"),
		func(*http.Request) (*http.Response, error) {
			return nil, &net.OpError{Op: "dial", Err: errors.New("refused")}
		},
	} {
		e, n := testEngine(t, Config{Refresh: func(context.Context, string) error { refreshes.Add(1); return nil }},
			func() string { return "tok" }, first, respond(200, `{"status":"ok"}`))
		_, _, err := e.Send(context.Background(), Op{Name: "UploadFile", Retry: RetryUnsent}, streamed())
		if err == nil || n.Load() != 1 {
			t.Fatalf("err = %v after %d attempts, want the first failure after 1", err, n.Load())
		}
	}
	if refreshes.Load() != 0 {
		t.Fatalf("refreshed %d times for a body that cannot be resent", refreshes.Load())
	}
	// A rewindable body is still retried.
	e, n := testEngine(t, Config{}, func() string { return "tok" }, respond(429, "slow down"), respond(200, `{"status":"ok"}`))
	if _, _, err := e.Send(context.Background(), Op{Name: "SendToPhone", Retry: RetryUnsent}, post(t, `{}`)); err != nil || n.Load() != 2 {
		t.Fatalf("err = %v after %d attempts", err, n.Load())
	}
}

// TestRefreshGetsStaleCredential: the refresh hook learns the credential
// the refused attempt used, and a hook that gives up because the caller's
// context ended makes Send return that context's error (with the 401
// reachable) without another attempt.
func TestRefreshGetsStaleCredential(t *testing.T) {
	t.Parallel()
	var stale atomic.Value
	e, n := testEngine(t, Config{Refresh: func(_ context.Context, s string) error {
		stale.Store(s)
		return nil
	}}, func() string { return "tok-used-9a" }, respond(401, "no"), respond(200, `{"status":"ok"}`))
	if _, _, err := e.Send(context.Background(), Op{Name: "GetChat", Retry: RetrySafe}, post(t, ``)); err != nil || n.Load() != 2 {
		t.Fatalf("err = %v after %d attempts", err, n.Load())
	}
	if got, _ := stale.Load().(string); got != "tok-used-9a" {
		t.Fatalf("refresh got stale %q", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	e, n = testEngine(t, Config{Refresh: func(ctx context.Context, _ string) error {
		cancel()
		return ctx.Err()
	}}, func() string { return "tok-used-9a" }, respond(401, "no"), respond(200, `{"status":"ok"}`))
	resp, _, err := e.Send(ctx, Op{Name: "GetChat", Retry: RetrySafe}, post(t, ``))
	var ae *APIError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &ae) || ae.StatusCode != 401 || resp != nil || n.Load() != 1 {
		t.Fatalf("err = %v, resp %v after %d attempts", err, resp, n.Load())
	}
	if strings.Contains(err.Error(), "refresh credentials") {
		t.Fatalf("err = %q, want the caller's context error", err)
	}
}
