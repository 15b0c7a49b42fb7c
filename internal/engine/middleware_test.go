package engine

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"golang.org/x/time/rate"

	"github.com/tlpartner/tlpartner-go/tlhttp"
)

const secretTok = "tok-SECRET-0123456789"

func withHeaders(status int, body string, h http.Header) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: status, Header: h.Clone(), Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	}
}

// TestMiddlewareOrder: the first middleware is the outermost, every
// attempt runs the chain, and each sees the operation, attempt number and
// retry class in the request's context.
func TestMiddlewareOrder(t *testing.T) {
	var mu sync.Mutex
	var trace []string
	mw := func(name string) tlhttp.Middleware {
		return func(req *http.Request, next tlhttp.Next) (*http.Response, error) {
			a, ok := tlhttp.AttemptFromContext(req.Context())
			if !ok {
				t.Errorf("%s: no attempt in the context", name)
			}
			mu.Lock()
			trace = append(trace, name+">"+a.Operation+"#"+itoa(a.Number)+"/"+a.RetryClass.String()+"/"+a.API)
			mu.Unlock()
			resp, err := next(req)
			mu.Lock()
			trace = append(trace, name+"<")
			mu.Unlock()
			return resp, err
		}
	}
	e, n := testEngine(t, Config{Settings: Settings{Middleware: []tlhttp.Middleware{mw("a"), mw("b")}}}, func() string { return secretTok },
		respond(503, `{}`), respond(200, `{"ok":true}`))
	req, _ := http.NewRequest(http.MethodGet, "https://api.test/v1/w", nil)
	_, body, err := e.Send(context.Background(), Op{Name: "GetWorkspace", Retry: RetrySafe}, req)
	if err != nil || string(body) != `{"ok":true}` || n.Load() != 2 {
		t.Fatalf("err=%v body=%s sends=%d", err, body, n.Load())
	}
	want := []string{
		"a>GetWorkspace#1/safe/publicapi", "b>GetWorkspace#1/safe/publicapi", "b<", "a<",
		"a>GetWorkspace#2/safe/publicapi", "b>GetWorkspace#2/safe/publicapi", "b<", "a<",
	}
	if !reflect.DeepEqual(trace, want) {
		t.Fatalf("trace = %q\nwant    %q", trace, want)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestMiddlewareShortCircuit: a middleware that answers itself sends
// nothing; its answer is decoded and classified like the server's, and
// retried by the usual rules.
func TestMiddlewareShortCircuit(t *testing.T) {
	calls := 0
	short := func(req *http.Request, next tlhttp.Next) (*http.Response, error) {
		calls++
		if calls == 1 {
			return &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"0"}}, Body: io.NopCloser(strings.NewReader(`{}`))}, nil
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"cached":1}`))}, nil
	}
	e, n := testEngine(t, Config{Settings: Settings{Middleware: []tlhttp.Middleware{short}}}, func() string { return secretTok }, respond(500, `{}`))
	var meta tlhttp.ResponseMeta
	_, body, err := e.Send(context.Background(), Op{Name: "SendToPhone"}, post(t, `{}`), tlhttp.WithResponseMeta(&meta))
	if err != nil || string(body) != `{"cached":1}` {
		t.Fatalf("err=%v body=%s", err, body)
	}
	if n.Load() != 0 || calls != 2 || meta.Attempts != 2 || meta.StatusCode != 200 {
		t.Fatalf("sends=%d calls=%d meta=%+v", n.Load(), calls, meta)
	}
}

// TestMiddlewareErrors: a middleware's own error ends the call at once
// (no retry, even for a safe operation) and is matched by errors.Is; a
// transport error passed up unchanged keeps the retry rules.
func TestMiddlewareErrors(t *testing.T) {
	errOwn := errors.New("circuit open")
	own := func(req *http.Request, next tlhttp.Next) (*http.Response, error) { return nil, errOwn }
	e, n := testEngine(t, Config{Settings: Settings{Middleware: []tlhttp.Middleware{own}}}, func() string { return secretTok }, respond(200, `{}`))
	req, _ := http.NewRequest(http.MethodGet, "https://api.test/v1/w", nil)
	var meta tlhttp.ResponseMeta
	_, _, err := e.Send(context.Background(), Op{Name: "GetWorkspace", Retry: RetrySafe}, req, tlhttp.WithResponseMeta(&meta))
	if !errors.Is(err, errOwn) || meta.Attempts != 1 || n.Load() != 0 {
		t.Fatalf("err=%v meta=%+v sends=%d", err, meta, n.Load())
	}
	if !strings.HasPrefix(err.Error(), "publicapi: GetWorkspace: ") {
		t.Fatalf("error %q does not name the operation", err)
	}

	dialErr := &net.OpError{Op: "dial", Err: errors.New("connection refused")}
	pass := func(req *http.Request, next tlhttp.Next) (*http.Response, error) { return next(req) }
	e, n = testEngine(t, Config{Settings: Settings{Middleware: []tlhttp.Middleware{pass}}}, func() string { return secretTok },
		func(*http.Request) (*http.Response, error) { return nil, dialErr }, respond(200, `{}`))
	if _, _, err := e.Send(context.Background(), Op{Name: "SendToPhone"}, post(t, `{}`)); err != nil || n.Load() != 2 {
		t.Fatalf("dial error through middleware: err=%v sends=%d (want a retry)", err, n.Load())
	}

	nothing := func(req *http.Request, next tlhttp.Next) (*http.Response, error) { return nil, nil }
	e, _ = testEngine(t, Config{Settings: Settings{Middleware: []tlhttp.Middleware{nothing}}}, func() string { return secretTok }, respond(200, `{}`))
	if _, _, err := e.Send(context.Background(), Op{Name: "GetWorkspace", Retry: RetrySafe}, req); err == nil {
		t.Fatal("a middleware returning (nil, nil) must fail the call")
	}
}

// TestMiddlewareSeesNoCredential: neither the request a middleware gets
// (before or after next), nor the response, nor any request reachable
// from it carries the credential; the server still gets it.
func TestMiddlewareSeesNoCredential(t *testing.T) {
	var seen []string
	spy := func(req *http.Request, next tlhttp.Next) (*http.Response, error) {
		seen = append(seen, dumpRequest(req))
		resp, err := next(req)
		seen = append(seen, dumpRequest(req))
		if resp != nil {
			seen = append(seen, dumpHeader(resp.Header))
			for r := resp.Request; r != nil; {
				seen = append(seen, dumpRequest(r))
				if r.Response == nil {
					break
				}
				r = r.Response.Request
			}
			b, _ := io.ReadAll(resp.Body)
			seen = append(seen, string(b))
		}
		if err != nil {
			seen = append(seen, err.Error())
		}
		return resp, err
	}
	var got string
	echo := func(req *http.Request) (*http.Response, error) {
		got = req.Header.Get("Authorization")
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: req}, nil
	}
	e, _ := testEngine(t, Config{Settings: Settings{Middleware: []tlhttp.Middleware{spy}}}, func() string { return secretTok }, echo)
	if _, _, err := e.Send(context.Background(), Op{Name: "SendToPhone"}, post(t, `{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if got != "Bearer "+secretTok {
		t.Fatalf("server got Authorization %q", got)
	}
	if len(seen) < 4 {
		t.Fatalf("spy saw too little: %q", seen)
	}
	for _, s := range seen {
		if strings.Contains(s, secretTok) {
			t.Fatalf("middleware saw the credential: %s", s)
		}
	}
}

func dumpRequest(r *http.Request) string {
	return r.Method + " " + r.URL.String() + " " + dumpHeader(r.Header)
}

func dumpHeader(h http.Header) string {
	var b strings.Builder
	for k, vs := range h {
		b.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
	}
	return b.String()
}

// TestMiddlewareReplacedBody: a middleware that reads the body and puts
// back a different one is honoured.
func TestMiddlewareReplacedBody(t *testing.T) {
	swap := func(req *http.Request, next tlhttp.Next) (*http.Response, error) {
		resp, err := next(req)
		if err == nil {
			_, _ = io.ReadAll(resp.Body)
			resp.Body = io.NopCloser(strings.NewReader(`{"swapped":true}`))
		}
		return resp, err
	}
	e, _ := testEngine(t, Config{Settings: Settings{Middleware: []tlhttp.Middleware{swap}}}, func() string { return secretTok }, respond(200, `{}`))
	_, body, err := e.Send(context.Background(), Op{Name: "GetWorkspace"}, post(t, `{}`))
	if err != nil || string(body) != `{"swapped":true}` {
		t.Fatalf("err=%v body=%s", err, body)
	}
}

// TestCallOptions: headers reach every attempt, MaxRetries replaces the
// budget, the timeout bounds the whole call, and ResponseMeta is filled
// with the credential scrubbed.
func TestCallOptions(t *testing.T) {
	var hdrs []string
	rec := func(status int) httpmock.Responder {
		return func(req *http.Request) (*http.Response, error) {
			hdrs = append(hdrs, strings.Join(req.Header.Values("X-Tag"), ","))
			h := http.Header{"X-Request-Id": {"req-" + secretTok}, "X-Echo": {"Bearer " + secretTok}}
			return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(`{}`)), Request: req}, nil
		}
	}
	e, n := testEngine(t, Config{}, func() string { return secretTok }, rec(503), rec(503), rec(200))
	req, _ := http.NewRequest(http.MethodGet, "https://api.test/v1/w", nil)
	var meta tlhttp.ResponseMeta
	_, _, err := e.Send(context.Background(), Op{Name: "GetWorkspace", Retry: RetrySafe}, req,
		tlhttp.WithHeader("x-tag", "a"), tlhttp.WithHeader("X-Tag", "b"), tlhttp.WithMaxRetries(1), tlhttp.WithResponseMeta(&meta))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || n.Load() != 2 {
		t.Fatalf("WithMaxRetries(1): err=%v sends=%d", err, n.Load())
	}
	if !reflect.DeepEqual(hdrs, []string{"a,b", "a,b"}) {
		t.Fatalf("X-Tag per attempt = %q", hdrs)
	}
	if meta.StatusCode != 503 || meta.Attempts != 2 || meta.RequestID != "req-"+Redacted ||
		meta.Header.Get("X-Echo") != "Bearer "+Redacted || meta.Duration <= 0 {
		t.Fatalf("meta = %+v", meta)
	}

	// The timeout bounds the backoff too: a 10s Retry-After is not awaited.
	e, n = testEngine(t, Config{}, func() string { return secretTok }, withHeaders(429, `{}`, http.Header{"Retry-After": {"10"}}))
	start := time.Now()
	_, _, err = e.Send(context.Background(), Op{Name: "GetWorkspace", Retry: RetrySafe}, req, tlhttp.WithTimeout(50*time.Millisecond))
	if err == nil || time.Since(start) > 5*time.Second || n.Load() != 1 {
		t.Fatalf("WithTimeout: err=%v after %v, sends=%d", err, time.Since(start), n.Load())
	}

	for _, tc := range []struct {
		opt   tlhttp.CallOption
		field string
	}{
		{tlhttp.WithTimeout(-time.Second), "WithTimeout"},
		{tlhttp.WithHeader("Authorization", "Bearer x"), "WithHeader"},
		{tlhttp.WithHeader("authorization", "Bearer x"), "WithHeader"},
		{tlhttp.WithHeader("X-TL-Partner-Id", "p"), "WithHeader"},
		{tlhttp.WithHeader("Bad Name", "x"), "WithHeader"},
		{tlhttp.WithHeader("X-Ok", "a\r\nX-Injected: 1"), "WithHeader"},
		{tlhttp.WithMaxRetries(-1), "WithMaxRetries"},
	} {
		e, n := testEngine(t, Config{}, func() string { return secretTok }, respond(200, `{}`))
		_, _, err := e.Send(context.Background(), Op{Name: "GetWorkspace"}, req, nil, tc.opt)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field || n.Load() != 0 {
			t.Errorf("%s: err=%v sends=%d", tc.field, err, n.Load())
		}
	}
}

type recObserver struct {
	mu   sync.Mutex
	ops  []tlhttp.Operation
	ends []tlhttp.ResponseMeta
	errs []error
}

type obsKey struct{}

func (o *recObserver) StartOperation(ctx context.Context, op tlhttp.Operation) (context.Context, func(tlhttp.ResponseMeta, error)) {
	o.mu.Lock()
	o.ops = append(o.ops, op)
	o.mu.Unlock()
	return context.WithValue(ctx, obsKey{}, op.Name), func(m tlhttp.ResponseMeta, err error) {
		o.mu.Lock()
		o.ends = append(o.ends, m)
		o.errs = append(o.errs, err)
		o.mu.Unlock()
	}
}

// TestObserver: one StartOperation and one end per call, with the retry
// count and the rate-limit wait; its context reaches the middleware.
func TestObserver(t *testing.T) {
	obs := &recObserver{}
	var sawCtx bool
	mw := func(req *http.Request, next tlhttp.Next) (*http.Response, error) {
		sawCtx = req.Context().Value(obsKey{}) == "SendToPhone"
		return next(req)
	}
	lim := rate.NewLimiter(rate.Every(30*time.Millisecond), 1)
	e, _ := testEngine(t, Config{Settings: Settings{Observer: obs, Middleware: []tlhttp.Middleware{mw}, Limiter: lim}},
		func() string { return secretTok }, withHeaders(429, `{}`, http.Header{"Retry-After": {"0"}}), respond(200, `{}`))
	req, _ := http.NewRequest(http.MethodPost, "http://api.test:8080/v1/messages", strings.NewReader(`{}`))
	if _, _, err := e.Send(context.Background(), Op{Name: "SendToPhone"}, req); err != nil {
		t.Fatal(err)
	}
	if len(obs.ops) != 1 || len(obs.ends) != 1 || !sawCtx {
		t.Fatalf("ops=%d ends=%d sawCtx=%v", len(obs.ops), len(obs.ends), sawCtx)
	}
	want := tlhttp.Operation{API: "publicapi", Name: "SendToPhone", RetryClass: RetryUnsent, Method: "POST", ServerAddress: "api.test", ServerPort: 8080, RateLimited: true}
	if obs.ops[0] != want {
		t.Fatalf("op = %+v", obs.ops[0])
	}
	if m := obs.ends[0]; m.Attempts != 2 || m.StatusCode != 200 || m.RateLimitWait < 10*time.Millisecond || obs.errs[0] != nil {
		t.Fatalf("end = %+v, %v", m, obs.errs[0])
	}
}

// TestSendWithoutLoggerAllocs: without a logger, observer or middleware,
// the call's state stays on the stack: Send allocates no more than the
// transport and the request need (measured against a canned transport).
func TestSendWithoutLoggerAllocs(t *testing.T) {
	e, _ := testEngine(t, Config{}, func() string { return secretTok }, respond(200, `{}`))
	req, _ := http.NewRequest(http.MethodGet, "https://api.test/v1/w", nil)
	ctx := context.Background()
	base := testing.AllocsPerRun(200, func() { _, _ = e.hc.Do(req.WithContext(ctx)) })
	got := testing.AllocsPerRun(200, func() {
		if _, _, err := e.Send(ctx, Op{Name: "GetWorkspace", Retry: RetrySafe}, req); err != nil {
			t.Fatal(err)
		}
	})
	if got > base+6 { // the attempt request, the body read, the response; not the call state
		t.Fatalf("Send allocates %v, the transport alone %v", got, base)
	}
}
