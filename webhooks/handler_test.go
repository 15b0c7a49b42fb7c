package webhooks_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

// recorder collects the events callbacks received.
type recorder struct {
	mu     sync.Mutex
	events []string // "<callback>:<type>"
}

func (r *recorder) add(cb string, e webhooks.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, cb+":"+string(e.Type()))
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

func newTestHandler(t *testing.T, opts ...webhooks.Option) (*webhooks.Handler, *recorder) {
	t.Helper()
	h, err := webhooks.NewHandler(testPartner, testSecret, append([]webhooks.Option{webhooks.WithClock(testClock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	h.OnSeatsFull(func(_ context.Context, e *webhooks.SeatsFull) error { rec.add("seats", e); return nil })
	h.OnMessagingQuotaNearFull(func(_ context.Context, e *webhooks.MessagingQuotaNearFull) error { rec.add("msg90", e); return nil })
	h.OnMessagingQuotaFull(func(_ context.Context, e *webhooks.MessagingQuotaFull) error { rec.add("msg100", e); return nil })
	h.OnTransactionsQuotaFull(func(_ context.Context, e *webhooks.TransactionsQuotaFull) error { rec.add("tx", e); return nil })
	h.OnAPICallsQuotaFull(func(_ context.Context, e *webhooks.APICallsQuotaFull) error { rec.add("api", e); return nil })
	h.OnWhatsAppAccountConnected(func(_ context.Context, e *webhooks.WhatsAppAccountConnected) error { rec.add("conn", e); return nil })
	h.OnWhatsAppAccountDisconnected(func(_ context.Context, e *webhooks.WhatsAppAccountDisconnected) error {
		rec.add("disc", e)
		return nil
	})
	h.OnAPITokenRotated(func(_ context.Context, e *webhooks.APITokenRotated) error { rec.add("token", e); return nil })
	h.OnEvent(func(_ context.Context, e webhooks.Event) error { rec.add("any", e); return nil })
	return h, rec
}

func signedRequest(t testing.TB, body []byte) *http.Request {
	t.Helper()
	req, err := testSigner.NewRequest(context.Background(), "http://127.0.0.1/webhooks", body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestHandlerDispatchesEveryFixture(t *testing.T) {
	want := map[string]string{
		"seats_full.json":                               "seats:workspace:seats_full",
		"seats_full_fractional_offset.json":             "seats:workspace:seats_full",
		"seats_full_int_workspace.json":                 "seats:workspace:seats_full",
		"quota_near_full_messaging.json":                "msg90:workspace:quota_near_full:messaging",
		"quota_full_messaging.json":                     "msg100:workspace:quota_full:messaging",
		"quota_full_transactions.json":                  "tx:workspace:quota_full:transactions",
		"quota_full_api_calls.json":                     "api:workspace:quota_full:api_calls",
		"whatsapp_account_connected.json":               "conn:whatsapp_account:connected",
		"whatsapp_account_disconnected.json":            "disc:whatsapp_account:disconnected",
		"whatsapp_account_disconnected_string_ids.json": "disc:whatsapp_account:disconnected",
		"quota_full_messaging_no_utilization.json":      "msg100:workspace:quota_full:messaging",
		"api_token_rotated.json":                        "token:api_token:rotated",
		"api_token_rotated_alias.json":                  "token:api_token:rotated",
		"overview_example.json":                         "any:workspace:messaging_quota:90",
		"unknown_event.json":                            "any:workspace:created",
		// The 90 % page's example names the 100 % event.
		"quota_near_full_messaging_page_example.json": "msg100:workspace:quota_full:messaging",
	}
	for _, tc := range fixtureCases {
		t.Run(tc.file, func(t *testing.T) {
			h, rec := newTestHandler(t)
			w := serve(h, signedRequest(t, readFixture(t, tc.file)))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			exp, ok := want[tc.file]
			if !ok {
				t.Fatalf("no expectation for %s", tc.file)
			}
			got := rec.got()
			if len(got) != 1 || got[0] != exp {
				t.Errorf("callbacks = %v, want [%s]", got, exp)
			}
		})
	}
}

func TestHandlerRejections(t *testing.T) {
	genuine, err := testSigner.Token()
	if err != nil {
		t.Fatal(err)
	}
	body := readFixture(t, "seats_full.json")
	post := func(h http.Header, b []byte) *http.Request {
		req := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(b))
		for k, v := range h {
			req.Header[k] = v
		}
		return req
	}
	bigValid := append([]byte(`{"event_type":"workspace:seats_full","pad":"`), bytes.Repeat([]byte("x"), 2048)...)
	bigValid = append(bigValid, `"}`...)

	tests := []struct {
		name       string
		req        func() *http.Request
		opts       []webhooks.Option
		wantStatus int
		wantAllow  bool
	}{
		{"GET", func() *http.Request {
			r := signedRequest(t, nil)
			r.Method = http.MethodGet
			return r
		}, nil, http.StatusMethodNotAllowed, true},
		{"PUT", func() *http.Request {
			r := signedRequest(t, body)
			r.Method = http.MethodPut
			return r
		}, nil, http.StatusMethodNotAllowed, true},
		{"HEAD", func() *http.Request { return httptest.NewRequest(http.MethodHead, "/", nil) }, nil, http.StatusMethodNotAllowed, true},
		{"no headers", func() *http.Request { return post(nil, body) }, nil, http.StatusUnauthorized, false},
		{"missing partner header", func() *http.Request { return post(hdr("", genuine), body) }, nil, http.StatusUnauthorized, false},
		{"wrong secret", func() *http.Request {
			s := testSigner
			s.Secret = "wrong"
			r, err := s.NewRequest(context.Background(), "http://127.0.0.1/", body)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}, nil, http.StatusUnauthorized, false},
		{"HS512", func() *http.Request {
			return post(hdr(testPartner, sign(t, jwt.SigningMethodHS512, []byte(testSecret), claims(nil))), body)
		}, nil, http.StatusUnauthorized, false},
		{"expired", func() *http.Request {
			return post(hdr(testPartner, sign(t, jwt.SigningMethodHS256, []byte(testSecret), claims(func(c jwt.MapClaims) { c["exp"] = testNow.Add(-31 * time.Second).Unix() }))), body)
		}, nil, http.StatusUnauthorized, false},
		{"partner mismatch", func() *http.Request { return post(hdr("someone-else", genuine), body) }, nil, http.StatusUnauthorized, false},
		{"oversized body", func() *http.Request { return signedRequest(t, bigValid) }, []webhooks.Option{webhooks.WithMaxBodyBytes(1024)}, http.StatusRequestEntityTooLarge, false},
		{"oversized body without content length", func() *http.Request {
			r := signedRequest(t, bigValid)
			r.ContentLength = -1
			r.Body = io.NopCloser(bytes.NewReader(bigValid))
			return r
		}, []webhooks.Option{webhooks.WithMaxBodyBytes(1024)}, http.StatusRequestEntityTooLarge, false},
		{"oversized default limit", func() *http.Request {
			b := append([]byte(`{"event_type":"workspace:seats_full","pad":"`), bytes.Repeat([]byte("x"), 1<<20)...)
			return signedRequest(t, append(b, `"}`...))
		}, nil, http.StatusRequestEntityTooLarge, false},
		{"oversized and forged is 401", func() *http.Request { return post(hdr(testPartner, "a.b.c"), bigValid) }, []webhooks.Option{webhooks.WithMaxBodyBytes(1024)}, http.StatusUnauthorized, false},
		{"body at the limit", func() *http.Request { return signedRequest(t, bigValid) }, []webhooks.Option{webhooks.WithMaxBodyBytes(int64(len(bigValid)))}, http.StatusOK, false},
		{"malformed JSON", func() *http.Request { return signedRequest(t, []byte(`{"event_type":`)) }, nil, http.StatusBadRequest, false},
		{"empty body", func() *http.Request { return signedRequest(t, nil) }, nil, http.StatusBadRequest, false},
		{"JSON array", func() *http.Request { return signedRequest(t, []byte(`[1]`)) }, nil, http.StatusBadRequest, false},
		{"no event_type", func() *http.Request { return signedRequest(t, []byte(`{"workspace_id":"w"}`)) }, nil, http.StatusBadRequest, false},
		{"bad field type", func() *http.Request { return signedRequest(t, readFixture(t, "malformed/non_numeric_user_id.json")) }, nil, http.StatusBadRequest, false},
		{"unknown event type accepted", func() *http.Request { return signedRequest(t, readFixture(t, "unknown_event.json")) }, nil, http.StatusOK, false},
		{"genuine", func() *http.Request { return signedRequest(t, body) }, nil, http.StatusOK, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logBuf testutil.SyncBuffer
			opts := append([]webhooks.Option{webhooks.WithLogger(slog.New(slog.NewTextHandler(&logBuf, nil)))}, tc.opts...)
			h, rec := newTestHandler(t, opts...)
			req := tc.req()
			w := serve(h, req)
			if w.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %q, log %s)", w.Code, tc.wantStatus, w.Body, logBuf.String())
			}
			if got := w.Header().Get("Allow"); tc.wantAllow && got != http.MethodPost {
				t.Errorf("Allow = %q", got)
			}
			if tc.wantStatus != http.StatusOK {
				if got := rec.got(); len(got) != 0 {
					t.Errorf("callbacks ran for a rejected delivery: %v", got)
				}
				if b := w.Body.String(); b != http.StatusText(tc.wantStatus)+"\n" {
					t.Errorf("body = %q, want the bare status text", b)
				}
			}
			assertNoSecrets(t, logBuf.String(), req.Header, testSecret)
			assertNoSecrets(t, w.Body.String(), req.Header, testSecret)
		})
	}
}

func TestHandlerCallbackError(t *testing.T) {
	var logBuf testutil.SyncBuffer
	h, err := webhooks.NewHandler(testPartner, testSecret, webhooks.WithClock(testClock),
		webhooks.WithLogger(slog.New(slog.NewJSONHandler(&logBuf, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h.OnWhatsAppAccountConnected(func(context.Context, *webhooks.WhatsAppAccountConnected) error {
		return errors.New("database unavailable: internal-detail-42")
	})
	req := signedRequest(t, readFixture(t, "whatsapp_account_connected.json"))
	w := serve(h, req)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d", w.Code)
	}
	if strings.Contains(w.Body.String(), "internal-detail-42") {
		t.Errorf("response leaks the callback error: %q", w.Body)
	}
	logs := logBuf.String()
	for _, want := range []string{"internal-detail-42", "whatsapp_account:connected|my-workspace|2024-01-01T12:00:00Z|67890", `"level":"ERROR"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q: %s", want, logs)
		}
	}
	assertNoSecrets(t, logs, req.Header, testSecret)

	// The catch-all's error is a 500 as well.
	h.OnEvent(func(context.Context, webhooks.Event) error { return errors.New("nope") })
	if w := serve(h, signedRequest(t, readFixture(t, "unknown_event.json"))); w.Code != http.StatusInternalServerError {
		t.Errorf("catch-all error: status %d", w.Code)
	}
}

func TestHandlerDispatchRules(t *testing.T) {
	h, err := webhooks.NewHandler(testPartner, testSecret, webhooks.WithClock(testClock))
	if err != nil {
		t.Fatal(err)
	}
	seats := readFixture(t, "seats_full.json")

	// No callback at all: acknowledged.
	if w := serve(h, signedRequest(t, seats)); w.Code != http.StatusOK {
		t.Fatalf("no callbacks: status %d", w.Code)
	}

	var typed, catchAll atomic.Int32
	h.OnEvent(func(context.Context, webhooks.Event) error { catchAll.Add(1); return nil })
	// An event with no typed callback goes to the catch-all.
	serve(h, signedRequest(t, seats))
	if typed.Load() != 0 || catchAll.Load() != 1 {
		t.Fatalf("typed=%d any=%d", typed.Load(), catchAll.Load())
	}
	// A typed callback takes precedence.
	h.OnSeatsFull(func(_ context.Context, e *webhooks.SeatsFull) error {
		if e.SeatsPurchased != 10 {
			t.Errorf("SeatsPurchased = %d", e.SeatsPurchased)
		}
		typed.Add(1)
		return nil
	})
	serve(h, signedRequest(t, seats))
	if typed.Load() != 1 || catchAll.Load() != 1 {
		t.Fatalf("typed=%d any=%d", typed.Load(), catchAll.Load())
	}
	// A later registration replaces the earlier one.
	var replaced atomic.Int32
	h.OnSeatsFull(func(context.Context, *webhooks.SeatsFull) error { replaced.Add(1); return nil })
	serve(h, signedRequest(t, seats))
	if typed.Load() != 1 || replaced.Load() != 1 {
		t.Fatalf("typed=%d replaced=%d", typed.Load(), replaced.Load())
	}
	// nil removes it again: back to the catch-all.
	h.OnSeatsFull(nil)
	serve(h, signedRequest(t, seats))
	if replaced.Load() != 1 || catchAll.Load() != 2 {
		t.Fatalf("replaced=%d any=%d", replaced.Load(), catchAll.Load())
	}
	h.OnEvent(nil)
	if w := serve(h, signedRequest(t, seats)); w.Code != http.StatusOK || catchAll.Load() != 2 {
		t.Fatalf("after removing all: status %d any=%d", w.Code, catchAll.Load())
	}

	// Dispatch without HTTP; an UnknownEvent that claims a known type does
	// not reach the typed callback (it is not a *SeatsFull).
	h.OnSeatsFull(func(context.Context, *webhooks.SeatsFull) error { typed.Add(1); return nil })
	h.OnEvent(func(context.Context, webhooks.Event) error { catchAll.Add(1); return nil })
	if err := h.Dispatch(context.Background(), &webhooks.UnknownEvent{EventType: webhooks.EventSeatsFull}); err != nil {
		t.Fatal(err)
	}
	if typed.Load() != 1 || catchAll.Load() != 3 {
		t.Fatalf("typed=%d any=%d", typed.Load(), catchAll.Load())
	}
	if err := h.Dispatch(context.Background(), nil); err == nil {
		t.Error("Dispatch(nil) succeeded")
	}
}

func TestHandlerPassesRequestContext(t *testing.T) {
	type key struct{}
	h, err := webhooks.NewHandler(testPartner, testSecret, webhooks.WithClock(testClock))
	if err != nil {
		t.Fatal(err)
	}
	var got any
	h.OnAPITokenRotated(func(ctx context.Context, _ *webhooks.APITokenRotated) error {
		got = ctx.Value(key{})
		return nil
	})
	req := signedRequest(t, readFixture(t, "api_token_rotated.json"))
	req = req.WithContext(context.WithValue(req.Context(), key{}, "v"))
	serve(h, req)
	if got != "v" {
		t.Errorf("callback context value = %v", got)
	}
}

// assertValidation fails unless err is a *webhooks.ValidationError (the
// shared engine type) naming field, matching tlpartner.ErrInvalidRequest.
func assertValidation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *webhooks.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%s: error %v (%T) is not a *ValidationError", field, err, err)
		return
	}
	if ve.Field != field {
		t.Errorf("Field = %q, want %q (%v)", ve.Field, field, err)
	}
	var shared *tlpartner.ValidationError // errors.As works across packages
	if !errors.As(err, &shared) || shared.Field != field || !errors.Is(err, tlpartner.ErrInvalidRequest) || !strings.HasPrefix(err.Error(), "webhooks: invalid "+field+": ") {
		t.Errorf("error %q", err)
	}
}

func TestHandlerOptionErrors(t *testing.T) {
	for field, opt := range map[string][]webhooks.Option{
		"WithMaxBodyBytes": {webhooks.WithMaxBodyBytes(0), webhooks.WithMaxBodyBytes(-1)},
		"WithLeeway":       {webhooks.WithLeeway(-1)},
		"WithSecrets":      {webhooks.WithSecrets("a", "")},
		"WithDedupTTL":     {webhooks.WithDedupTTL(0)},
	} {
		for _, o := range opt {
			h, err := webhooks.NewHandler(testPartner, testSecret, o)
			if h != nil {
				t.Errorf("%s: handler returned", field)
			}
			assertValidation(t, err, field)
		}
	}
	_, err := webhooks.NewHandler("", testSecret)
	assertValidation(t, err, "partnerID")
	_, err = webhooks.NewHandler(testPartner, "")
	assertValidation(t, err, "secret")
	h, err := webhooks.NewHandler(testPartner, testSecret, nil, webhooks.WithLogger(nil), webhooks.WithDeduplicator(nil))
	if err != nil {
		t.Fatalf("nil option / nil logger / nil deduplicator: %v", err)
	}
	assertValidation(t, h.Dispatch(context.Background(), nil), "e")
}

// The verifier constructors refuse the options only a Handler uses, naming
// the option.
func TestVerifierRefusesHandlerOptions(t *testing.T) {
	for field, opt := range map[string]webhooks.Option{
		"WithMaxBodyBytes": webhooks.WithMaxBodyBytes(10),
		"WithLogger":       webhooks.WithLogger(nil),
		"WithDeduplicator": webhooks.WithDeduplicator(webhooks.NewMemoryDeduplicator(1)),
		"WithDedupTTL":     webhooks.WithDedupTTL(time.Hour),
	} {
		v, err := webhooks.NewVerifier(testPartner, testSecret, webhooks.WithLeeway(time.Second), opt)
		if v != nil {
			t.Errorf("%s: verifier returned", field)
		}
		assertValidation(t, err, field)
		_, err = webhooks.ConstructEvent(http.Header{}, nil, testPartner, testSecret, opt)
		assertValidation(t, err, field)
	}
	if _, err := webhooks.NewVerifier(testPartner, testSecret, webhooks.WithSecrets("x"), webhooks.WithLeeway(0), webhooks.WithClock(testClock)); err != nil {
		t.Errorf("verification options refused: %v", err)
	}
}

// TestHandlerConcurrent serves and re-registers concurrently; run with -race.
func TestHandlerConcurrent(t *testing.T) {
	h, err := webhooks.NewHandler(testPartner, testSecret, webhooks.WithClock(testClock))
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	bodies := [][]byte{
		readFixture(t, "seats_full.json"),
		readFixture(t, "whatsapp_account_disconnected.json"),
		readFixture(t, "unknown_event.json"),
	}
	const workers, perWorker = 8, 20
	reqs := make([][]*http.Request, workers)
	for i := range reqs {
		for j := range perWorker {
			reqs[i] = append(reqs[i], signedRequest(t, bodies[(i+j)%len(bodies)]))
		}
	}
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for _, req := range reqs[i] {
				w := serve(h, req)
				if w.Code != http.StatusOK {
					t.Errorf("status %d", w.Code)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range perWorker {
				h.OnSeatsFull(func(context.Context, *webhooks.SeatsFull) error { n.Add(1); return nil })
				h.OnWhatsAppAccountDisconnected(func(context.Context, *webhooks.WhatsAppAccountDisconnected) error { n.Add(1); return nil })
				h.OnEvent(func(context.Context, webhooks.Event) error { n.Add(1); return nil })
			}
		}()
	}
	wg.Wait()
	if n.Load() == 0 {
		t.Error("no callback ran")
	}
}

// TestHandlerOverHTTP delivers through a real loopback server and client.
func TestHandlerOverHTTP(t *testing.T) {
	h, err := webhooks.NewHandler(testPartner, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *webhooks.WhatsAppAccountDisconnected, 1)
	h.OnWhatsAppAccountDisconnected(func(_ context.Context, e *webhooks.WhatsAppAccountDisconnected) error {
		got <- e
		return nil
	})
	srv := httptest.NewServer(h) // listens on 127.0.0.1
	defer srv.Close()

	s := webhookstest.Signer{PartnerID: testPartner, Secret: testSecret}
	req, err := s.NewRequest(context.Background(), srv.URL+"/webhooks", readFixture(t, "whatsapp_account_disconnected.json"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	e := <-got
	if e.Reason != "(logged out)" || e.WhatsAppAccountID != 67890 {
		t.Errorf("event = %+v", e)
	}

	// Replaying the captured headers works until exp — the documented
	// limitation — and the dedup key is what catches it.
	replay, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(readFixture(t, "whatsapp_account_disconnected.json")))
	if err != nil {
		t.Fatal(err)
	}
	replay.Header = req.Header.Clone()
	resp, err = srv.Client().Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("replay status %d", resp.StatusCode)
	}
	if again := <-got; again.DedupKey() != e.DedupKey() {
		t.Errorf("replay has a different dedup key: %q vs %q", again.DedupKey(), e.DedupKey())
	}
}
