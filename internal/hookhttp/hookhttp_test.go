package hookhttp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

type harness struct {
	rc       *Receiver[string]
	logs     *testutil.SyncBuffer
	dispatch atomic.Int32
	fail     atomic.Pointer[error]
}

// newHarness returns a Receiver whose events are the body text; a body
// "bad" does not parse, the event type is "t" and the key the body.
func newHarness(t *testing.T, mod func(*Receiver[string])) *harness {
	t.Helper()
	h := &harness{logs: &testutil.SyncBuffer{}}
	h.rc = &Receiver[string]{
		Name:     "test",
		MaxBody:  16,
		Logger:   slog.New(slog.NewJSONHandler(h.logs, nil)),
		DedupTTL: time.Minute,
		Parse: func(b []byte) (string, error) {
			if string(b) == "bad" {
				return "", errors.New("unparseable")
			}
			return string(b), nil
		},
		Describe: func(e string) (string, string) { return "t", e },
		Dispatch: func(context.Context, string) error {
			h.dispatch.Add(1)
			if p := h.fail.Load(); p != nil {
				return *p
			}
			return nil
		},
	}
	if mod != nil {
		mod(h.rc)
	}
	return h
}

func (h *harness) post(body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.rc.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "http://127.0.0.1/hook/s3cr3t-path?token=s3cr3t-query", strings.NewReader(body)))
	return w
}

func (h *harness) failWith(err error) { h.fail.Store(&err) }

// unreadable fails the test when the handler reads it.
type unreadable struct{ t *testing.T }

func (u unreadable) Read([]byte) (int, error) {
	u.t.Error("body read")
	return 0, io.EOF
}

func TestReceiverStatusCodes(t *testing.T) {
	t.Parallel()
	denied := errors.New("denied")
	tests := []struct {
		name   string
		method string
		body   io.Reader
		length int64 // -1: unknown
		auth   error
		want   int
		calls  int32
	}{
		{"GET", http.MethodGet, nil, 0, nil, http.StatusMethodNotAllowed, 0},
		{"PUT", http.MethodPut, strings.NewReader("x"), 1, nil, http.StatusMethodNotAllowed, 0},
		{"HEAD", http.MethodHead, nil, 0, nil, http.StatusMethodNotAllowed, 0},
		{"auth fails before the body is read", http.MethodPost, unreadable{t}, 5, denied, http.StatusUnauthorized, 0},
		{"declared length over the cap", http.MethodPost, unreadable{t}, 17, nil, http.StatusRequestEntityTooLarge, 0},
		{"undeclared length over the cap", http.MethodPost, strings.NewReader(strings.Repeat("x", 17)), -1, nil, http.StatusRequestEntityTooLarge, 0},
		{"at the cap", http.MethodPost, strings.NewReader(strings.Repeat("x", 16)), 16, nil, http.StatusOK, 1},
		{"malformed", http.MethodPost, strings.NewReader("bad"), 3, nil, http.StatusBadRequest, 0},
		{"fine", http.MethodPost, strings.NewReader("ok"), 2, nil, http.StatusOK, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(rc *Receiver[string]) {
				rc.Authenticate = func(*http.Request) (time.Duration, error) { return 0, tc.auth }
			})
			r := httptest.NewRequest(tc.method, "/", tc.body)
			r.ContentLength = tc.length
			w := httptest.NewRecorder()
			h.rc.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if got := h.dispatch.Load(); got != tc.calls {
				t.Errorf("dispatched %d times, want %d", got, tc.calls)
			}
			if tc.want == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q", w.Header().Get("Allow"))
			}
			if tc.want != http.StatusOK {
				if w.Body.String() != http.StatusText(tc.want)+"\n" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("response %q %v", w.Body, w.Header())
				}
			}
		})
	}
}

func TestReceiverCallbackError(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.failWith(errors.New("db down: detail-7"))
	w := h.post("e1")
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "detail-7") {
		t.Fatalf("status %d body %q", w.Code, w.Body)
	}
	logs := h.logs.String()
	for _, want := range []string{`"msg":"test: callback failed"`, "detail-7", `"dedup_key":"e1"`, `"event_type":"t"`, `"level":"ERROR"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s: %s", want, logs)
		}
	}
}

func TestReceiverDedup(t *testing.T) {
	t.Parallel()
	d := &testutil.Dedup{}
	h := newHarness(t, func(rc *Receiver[string]) { rc.Dedup = d })

	if w := h.post("e1"); w.Code != http.StatusOK || h.dispatch.Load() != 1 {
		t.Fatalf("first: %d, %d calls", w.Code, h.dispatch.Load())
	}
	// A duplicate is acknowledged without a callback, and logged.
	if w := h.post("e1"); w.Code != http.StatusOK || h.dispatch.Load() != 1 {
		t.Fatalf("duplicate: %d, %d calls", w.Code, h.dispatch.Load())
	}
	if logs := h.logs.String(); !strings.Contains(logs, `"level":"INFO","msg":"test: duplicate delivery`) || !strings.Contains(logs, `"dedup_key":"e1"`) {
		t.Errorf("duplicate not logged: %s", logs)
	}
	// Another key runs.
	if w := h.post("e2"); w.Code != http.StatusOK || h.dispatch.Load() != 2 {
		t.Fatalf("other key: %d, %d calls", w.Code, h.dispatch.Load())
	}
	for _, c := range d.Claims() {
		if c.TTL != time.Minute {
			t.Errorf("ttl %v, want the configured minute", c.TTL)
		}
	}
	if len(d.Releases()) != 0 {
		t.Errorf("released after success: %v", d.Releases())
	}

	// A failing callback releases its claim, so the retry runs again.
	h.failWith(errors.New("boom"))
	if w := h.post("e3"); w.Code != http.StatusInternalServerError {
		t.Fatalf("failing: %d", w.Code)
	}
	if d.Held("e3") || len(d.Releases()) != 1 {
		t.Fatalf("claim not released: %v", d.Releases())
	}
	h.fail.Store(nil)
	if w := h.post("e3"); w.Code != http.StatusOK || h.dispatch.Load() != 4 {
		t.Fatalf("retry: %d, %d calls", w.Code, h.dispatch.Load())
	}
	if w := h.post("e3"); w.Code != http.StatusOK || h.dispatch.Load() != 4 {
		t.Fatalf("after the successful retry: %d, %d calls", w.Code, h.dispatch.Load())
	}
}

func TestReceiverDedupStoreErrors(t *testing.T) {
	t.Parallel()
	d := &testutil.Dedup{ClaimErr: errors.New("store unreachable")}
	h := newHarness(t, func(rc *Receiver[string]) { rc.Dedup = d })
	// Process anyway, every time, and log.
	for i := range 2 {
		if w := h.post("e1"); w.Code != http.StatusOK || h.dispatch.Load() != int32(i+1) {
			t.Fatalf("delivery %d: %d, %d calls", i, w.Code, h.dispatch.Load())
		}
	}
	if logs := h.logs.String(); !strings.Contains(logs, `"level":"WARN","msg":"test: de-duplication store failed`) || !strings.Contains(logs, "store unreachable") {
		t.Errorf("store failure not logged: %s", logs)
	}
	// Nothing was claimed, so a failure releases nothing.
	h.failWith(errors.New("boom"))
	h.post("e1")
	if len(d.Releases()) != 0 {
		t.Errorf("released an unclaimed key: %v", d.Releases())
	}

	// A failed release is logged.
	d2 := &testutil.Dedup{ReleaseErr: errors.New("release lost")}
	h2 := newHarness(t, func(rc *Receiver[string]) { rc.Dedup = d2 })
	h2.failWith(errors.New("boom"))
	if w := h2.post("e1"); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	if logs := h2.logs.String(); !strings.Contains(logs, "release lost") {
		t.Errorf("release failure not logged: %s", logs)
	}
}

func TestReceiverPanicReleasesClaim(t *testing.T) {
	t.Parallel()
	d := &testutil.Dedup{}
	h := newHarness(t, func(rc *Receiver[string]) {
		rc.Dedup = d
		rc.Dispatch = func(context.Context, string) error { panic("callback bug") }
	})
	func() {
		defer func() {
			if p := recover(); p != "callback bug" {
				t.Errorf("recovered %v, want the callback's panic", p)
			}
		}()
		h.post("e1")
	}()
	if d.Held("e1") {
		t.Fatal("a panicking callback kept its claim")
	}
}

func TestReceiverMinTTL(t *testing.T) {
	t.Parallel()
	d := &testutil.Dedup{}
	h := newHarness(t, func(rc *Receiver[string]) {
		rc.Dedup = d
		rc.Authenticate = func(*http.Request) (time.Duration, error) { return 3 * time.Minute, nil }
	})
	h.post("e1")
	h.rc.DedupTTL = 5 * time.Minute
	h.post("e2")
	c := d.Claims()
	if len(c) != 2 || c[0].TTL != 3*time.Minute || c[1].TTL != 5*time.Minute {
		t.Fatalf("claims %+v: want the larger of the configured and the minimum TTL", c)
	}
}

func TestReceiverLogsNoURL(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(rc *Receiver[string]) {
		rc.Authenticate = func(r *http.Request) (time.Duration, error) {
			if r.URL.Query().Get("token") == "" {
				return 0, errors.New("missing token")
			}
			return 0, nil
		}
	})
	h.post("bad")
	h.failWith(errors.New("boom"))
	h.post("ok")
	w := httptest.NewRecorder()
	h.rc.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/hook/s3cr3t-path", strings.NewReader("x")))
	logs := h.logs.String()
	if strings.Count(logs, "\n") != 3 {
		t.Fatalf("want 3 records: %s", logs)
	}
	if strings.Contains(logs, "s3cr3t") {
		t.Errorf("log contains the request URL: %s", logs)
	}
	if !strings.Contains(logs, `"remote_addr":"192.0.2.1:1234"`) {
		t.Errorf("log lacks remote_addr: %s", logs)
	}
}

func TestReceiverNilLogger(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(rc *Receiver[string]) { rc.Logger = nil })
	h.failWith(errors.New("boom"))
	if w := h.post("bad"); w.Code != http.StatusBadRequest {
		t.Fatal(w.Code)
	}
	if w := h.post("ok"); w.Code != http.StatusInternalServerError {
		t.Fatal(w.Code)
	}
}

type evA struct{}
type evB struct{}

func TestRouter(t *testing.T) {
	t.Parallel()
	var rt Router[string, any]
	var got bytes.Buffer
	ctx := context.Background()
	if err := rt.Dispatch(ctx, "a", evA{}); err != nil {
		t.Fatalf("no callbacks: %v", err)
	}
	rt.SetCatchAll(func(context.Context, any) error { got.WriteString("any "); return nil })
	On(&rt, "a", func(context.Context, evA) error { got.WriteString("a "); return errors.New("a failed") })
	if err := rt.Dispatch(ctx, "a", evA{}); err == nil || err.Error() != "a failed" {
		t.Errorf("typed error not returned: %v", err)
	}
	// A value of another dynamic type under the same key goes to the
	// catch-all.
	_ = rt.Dispatch(ctx, "a", evB{})
	_ = rt.Dispatch(ctx, "b", evB{})
	On[evA](&rt, "a", nil)
	_ = rt.Dispatch(ctx, "a", evA{})
	rt.SetCatchAll(nil)
	_ = rt.Dispatch(ctx, "a", evA{})
	if got.String() != "a any any any " {
		t.Errorf("calls %q", got.String())
	}
}

func TestCanonicalBodyHash(t *testing.T) {
	a := CanonicalBodyHash([]byte(`{"b":1,"a":"\u00e9"}`))
	b := CanonicalBodyHash([]byte(" {\n \"a\": \"é\", \"b\": 1 }"))
	if a != b {
		t.Fatal("formatting changed the hash")
	}
	if CanonicalBodyHash([]byte(`{"a":"é","b":2}`)) == a {
		t.Fatal("different content gave the same hash")
	}
	if CanonicalBodyHash([]byte(`{"n":1.0}`)) == CanonicalBodyHash([]byte(`{"n":1}`)) {
		t.Fatal("numbers must be kept as written")
	}
	if CanonicalBodyHash([]byte("not json")) == CanonicalBodyHash([]byte("not  json")) {
		t.Fatal("a non-JSON body must be hashed as it is")
	}
}
