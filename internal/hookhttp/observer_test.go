package hookhttp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

type ctxKey struct{}

type recObserver struct {
	mu   sync.Mutex
	got  []tlhttp.Delivery
	recv []string
}

func (o *recObserver) StartDelivery(r *http.Request, receiver string) (context.Context, func(tlhttp.Delivery)) {
	return context.WithValue(r.Context(), ctxKey{}, "observed"), func(d tlhttp.Delivery) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.got = append(o.got, d)
		o.recv = append(o.recv, receiver)
	}
}

// TestObserverOutcomes: the observer is told the outcome of every kind of
// delivery exactly once, panics included, and its context reaches the
// callback.
func TestObserverOutcomes(t *testing.T) {
	t.Parallel()
	obs := &recObserver{}
	var sawCtx bool
	h := newHarness(t, func(rc *Receiver[string]) {
		rc.Observer = obs
		rc.Unknown = func(e string) bool { return e == "new" }
		rc.Authenticate = func(r *http.Request) (time.Duration, error) {
			if r.Header.Get("X-Deny") != "" {
				return 0, errors.New("denied")
			}
			return 0, nil
		}
		rc.Dedup = &testutil.Dedup{}
		inner := rc.Dispatch
		rc.Dispatch = func(ctx context.Context, e string) error {
			sawCtx = ctx.Value(ctxKey{}) == "observed"
			if e == "panic" {
				panic("callback panicked")
			}
			return inner(ctx, e)
		}
	})
	h.post("ok")
	h.post("ok") // duplicate
	h.post("bad")
	h.post("this body is too large")
	h.failWith(errors.New("downstream"))
	h.post("fails")
	h.fail.Store(nil)
	h.post("new")
	w := httptest.NewRecorder()
	h.rc.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	deny := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
	deny.Header.Set("X-Deny", "1")
	h.rc.ServeHTTP(httptest.NewRecorder(), deny)
	func() {
		defer func() { _ = recover() }()
		h.post("panic")
	}()
	if !sawCtx {
		t.Fatal("the callback did not get the observer's context")
	}
	want := []tlhttp.Delivery{
		{Receiver: "test", EventType: "t", Outcome: tlhttp.DeliveryHandled, StatusCode: 200},
		{Receiver: "test", EventType: "t", Outcome: tlhttp.DeliveryDuplicate, StatusCode: 200},
		{Receiver: "test", Outcome: tlhttp.DeliveryRejected, StatusCode: 400, Reason: "malformed body"},
		{Receiver: "test", Outcome: tlhttp.DeliveryRejected, StatusCode: 413, Reason: "body too large"},
		{Receiver: "test", EventType: "t", Outcome: tlhttp.DeliveryFailed, StatusCode: 500},
		{Receiver: "test", EventType: "t", UnknownType: true, Outcome: tlhttp.DeliveryHandled, StatusCode: 200},
		{Receiver: "test", Outcome: tlhttp.DeliveryRejected, StatusCode: 405, Reason: "method not allowed"},
		{Receiver: "test", Outcome: tlhttp.DeliveryRejected, StatusCode: 401, Reason: "authentication failed"},
		{Receiver: "test", EventType: "t", Outcome: tlhttp.DeliveryFailed},
	}
	if len(obs.got) != len(want) {
		t.Fatalf("%d deliveries observed, want %d: %+v", len(obs.got), len(want), obs.got)
	}
	for i := range want {
		if obs.got[i] != want[i] || obs.recv[i] != "test" {
			t.Errorf("delivery %d: %+v, want %+v", i, obs.got[i], want[i])
		}
	}
}
