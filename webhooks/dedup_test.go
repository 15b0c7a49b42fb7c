package webhooks_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// dedupHandler returns a Handler with d whose account-connected callback
// counts its calls and fails while *fail is set.
func dedupHandler(t *testing.T, d webhooks.Deduplicator, fail *atomic.Bool, opts ...webhooks.Option) (*webhooks.Handler, *atomic.Int32, *testutil.SyncBuffer) {
	t.Helper()
	logs := &testutil.SyncBuffer{}
	opts = append([]webhooks.Option{webhooks.WithClock(testClock), webhooks.WithDeduplicator(d),
		webhooks.WithLogger(slog.New(slog.NewJSONHandler(logs, nil)))}, opts...)
	h, err := webhooks.NewHandler(testPartner, testSecret, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	h.OnWhatsAppAccountConnected(func(context.Context, *webhooks.WhatsAppAccountConnected) error {
		calls.Add(1)
		if fail != nil && fail.Load() {
			return errors.New("callback failed")
		}
		return nil
	})
	return h, &calls, logs
}

func TestHandlerDeduplicates(t *testing.T) {
	t.Parallel()
	h, calls, logs := dedupHandler(t, webhooks.NewMemoryDeduplicator(100), nil)
	body := readFixture(t, "whatsapp_account_connected.json")
	for i := range 3 {
		if w := serve(h, signedRequest(t, body)); w.Code != http.StatusOK {
			t.Fatalf("delivery %d: status %d", i, w.Code)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("callback ran %d times, want 1", calls.Load())
	}
	if got := strings.Count(logs.String(), "webhooks: duplicate delivery"); got != 2 {
		t.Errorf("%d duplicates logged, want 2: %s", got, logs)
	}
	// Another event runs.
	h.OnWhatsAppAccountDisconnected(func(context.Context, *webhooks.WhatsAppAccountDisconnected) error { calls.Add(1); return nil })
	serve(h, signedRequest(t, readFixture(t, "whatsapp_account_disconnected.json")))
	if calls.Load() != 2 {
		t.Fatalf("callback ran %d times, want 2", calls.Load())
	}
}

func TestHandlerDedupOffByDefault(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t)
	var calls atomic.Int32
	h.OnSeatsFull(func(context.Context, *webhooks.SeatsFull) error { calls.Add(1); return nil })
	body := readFixture(t, "seats_full.json")
	serve(h, signedRequest(t, body))
	serve(h, signedRequest(t, body))
	if calls.Load() != 2 {
		t.Fatalf("callback ran %d times, want 2 without a deduplicator", calls.Load())
	}
}

func TestHandlerDedupReleasesOnFailure(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	fail.Store(true)
	h, calls, _ := dedupHandler(t, webhooks.NewMemoryDeduplicator(100), &fail)
	body := readFixture(t, "whatsapp_account_connected.json")
	if w := serve(h, signedRequest(t, body)); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	fail.Store(false)
	if w := serve(h, signedRequest(t, body)); w.Code != http.StatusOK {
		t.Fatalf("retry: status %d", w.Code)
	}
	serve(h, signedRequest(t, body))
	if calls.Load() != 2 {
		t.Fatalf("callback ran %d times, want 2 (failure, retry; then a duplicate)", calls.Load())
	}
}

func TestHandlerDedupStoreFailure(t *testing.T) {
	t.Parallel()
	d := &testutil.Dedup{ClaimErr: errors.New("redis: connection refused")}
	h, calls, logs := dedupHandler(t, d, nil)
	body := readFixture(t, "whatsapp_account_connected.json")
	serve(h, signedRequest(t, body))
	serve(h, signedRequest(t, body))
	if calls.Load() != 2 {
		t.Fatalf("callback ran %d times, want 2 while the store fails", calls.Load())
	}
	if !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("store failure not logged: %s", logs)
	}
}

func TestHandlerDedupKeyAndTTL(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "whatsapp_account_connected.json")
	e, err := webhooks.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	// The signer's token expires 3 minutes after testNow; with the 30 s
	// leeway it can be replayed for 3.5 minutes.
	replay := 3*time.Minute + webhooks.DefaultLeeway
	for _, tc := range []struct {
		name string
		opts []webhooks.Option
		want time.Duration
	}{
		{"default", nil, webhooks.DefaultDedupTTL},
		{"longer", []webhooks.Option{webhooks.WithDedupTTL(time.Hour)}, time.Hour},
		{"shorter than the replay window", []webhooks.Option{webhooks.WithDedupTTL(time.Second)}, replay},
	} {
		d := &testutil.Dedup{}
		h, _, _ := dedupHandler(t, d, nil, tc.opts...)
		serve(h, signedRequest(t, body))
		c := d.Claims()
		if len(c) != 1 || c[0].Key != e.DedupKey() || c[0].TTL != tc.want {
			t.Errorf("%s: claims %+v, want key %q ttl %v", tc.name, c, e.DedupKey(), tc.want)
		}
	}
	for _, ttl := range []time.Duration{0, -time.Second} {
		if _, err := webhooks.NewHandler(testPartner, testSecret, webhooks.WithDedupTTL(ttl)); err == nil {
			t.Errorf("WithDedupTTL(%v) accepted", ttl)
		}
	}
}
