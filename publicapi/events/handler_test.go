package events_test

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

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

const (
	goodToken  = "tok_0123456789abcdefABCDEF-._~xyz"
	otherToken = "tok_older-token-still-accepted-00"
)

// recorder collects "<callback>:<type>" for every callback run.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) add(cb string, e events.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, cb+":"+string(e.Type()))
	return nil
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// newHandler returns a Handler with every typed callback and the
// catch-all registered, logging to the returned buffer.
func newHandler(t *testing.T, opts ...events.Option) (*events.Handler, *recorder, *testutil.SyncBuffer) {
	t.Helper()
	logs := &testutil.SyncBuffer{}
	h, err := events.NewHandler(append([]events.Option{events.WithLogger(slog.New(slog.NewJSONHandler(logs, nil)))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	h.OnMessageNew(func(_ context.Context, e *events.MessageNew) error { return rec.add("MessageNew", e) })
	h.OnMessageSent(func(_ context.Context, e *events.MessageSent) error { return rec.add("MessageSent", e) })
	h.OnMessageReceived(func(_ context.Context, e *events.MessageReceived) error { return rec.add("MessageReceived", e) })
	h.OnMessageReaction(func(_ context.Context, e *events.MessageReaction) error { return rec.add("MessageReaction", e) })
	h.OnChatNew(func(_ context.Context, e *events.ChatNew) error { return rec.add("ChatNew", e) })
	h.OnChatIncoming(func(_ context.Context, e *events.ChatIncoming) error { return rec.add("ChatIncoming", e) })
	h.OnChatOutgoing(func(_ context.Context, e *events.ChatOutgoing) error { return rec.add("ChatOutgoing", e) })
	h.OnChatAssigned(func(_ context.Context, e *events.ChatAssigned) error { return rec.add("ChatAssigned", e) })
	h.OnChatUnassigned(func(_ context.Context, e *events.ChatUnassigned) error { return rec.add("ChatUnassigned", e) })
	h.OnWhatsAppAccountConnected(func(_ context.Context, e *events.WhatsAppAccountConnected) error {
		return rec.add("AccountConnected", e)
	})
	h.OnWhatsAppAccountDisconnected(func(_ context.Context, e *events.WhatsAppAccountDisconnected) error {
		return rec.add("AccountDisconnected", e)
	})
	h.OnWhatsAppAccountSuspended(func(_ context.Context, e *events.WhatsAppAccountSuspended) error {
		return rec.add("AccountSuspended", e)
	})
	h.OnWhatsAppAccountResumed(func(_ context.Context, e *events.WhatsAppAccountResumed) error { return rec.add("AccountResumed", e) })
	h.OnCallIncomingEnded(func(_ context.Context, e *events.CallIncomingEnded) error { return rec.add("CallIncomingEnded", e) })
	h.OnCallOutgoingEnded(func(_ context.Context, e *events.CallOutgoingEnded) error { return rec.add("CallOutgoingEnded", e) })
	h.OnCallIncomingMissed(func(_ context.Context, e *events.CallIncomingMissed) error { return rec.add("CallIncomingMissed", e) })
	h.OnEvent(func(_ context.Context, e events.Event) error { return rec.add("any", e) })
	return h, rec, logs
}

func post(target string, body []byte) *http.Request {
	return httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandlerDispatchesEveryFixture(t *testing.T) {
	t.Parallel()
	h, rec, _ := newHandler(t)
	want := map[string]string{
		"message_new.json":                   "MessageNew:message:new",
		"message_sent_new.json":              "MessageSent:message:sent:new",
		"message_received_new.json":          "MessageReceived:message:received:new",
		"message_reaction.json":              "MessageReaction:message:reaction",
		"chat_new.json":                      "ChatNew:chat:new",
		"chat_created_rest_spelling.json":    "ChatNew:chat:new",
		"chat_incoming_new.json":             "ChatIncoming:chat:incoming:new",
		"chat_outgoing_new.json":             "ChatOutgoing:chat:outgoing:new",
		"chat_responsible_assigned.json":     "ChatAssigned:chat:responsible:assigned",
		"chat_responsible_unassigned.json":   "ChatUnassigned:chat:responsible:unassigned",
		"whatsapp_account_connected.json":    "AccountConnected:whatsapp:account:connected",
		"whatsapp_account_disconnected.json": "AccountDisconnected:whatsapp:account:disconnected",
		"whatsapp_account_suspended.json":    "AccountSuspended:whatsapp:account:suspended",
		"whatsapp_account_resumed.json":      "AccountResumed:whatsapp:account:resumed",
		"call_incoming_ended.json":           "CallIncomingEnded:call:incoming:ended",
		"call_outgoing_ended.json":           "CallOutgoingEnded:call:outgoing:ended",
		"call_incoming_missed.json":          "CallIncomingMissed:call:incoming:missed",
		"unknown_waba_message_received.json": "any:waba:message:received",
	}
	for fixture, cb := range want {
		before := len(rec.list())
		if w := serve(h, post("/events", readFixture(t, fixture))); w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", fixture, w.Code)
		}
		got := rec.list()
		if len(got) != before+1 || got[before] != cb {
			t.Errorf("%s: callbacks %v, want %s", fixture, got[before:], cb)
		}
	}
	// Both names of a chat event reach the same callback.
	body := bytes.Replace(readFixture(t, "chat_responsible_assigned.json"), []byte(`"chat:responsible:assigned"`), []byte(`"chat:assigned"`), 1)
	serve(h, post("/events", body))
	if got := rec.list(); got[len(got)-1] != "ChatAssigned:chat:responsible:assigned" {
		t.Errorf("chat:assigned went to %s", got[len(got)-1])
	}
}

func TestHandlerRejects(t *testing.T) {
	t.Parallel()
	valid := readFixture(t, "message_received_new.json")
	big := append([]byte(`{"event_type":"message:new","pad":"`), bytes.Repeat([]byte("x"), 2048)...)
	big = append(big, `"}`...)
	tests := []struct {
		name string
		req  func() *http.Request
		opts []events.Option
		want int
	}{
		{"GET", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/events", nil) }, nil, http.StatusMethodNotAllowed},
		{"PUT", func() *http.Request { return httptest.NewRequest(http.MethodPut, "/events", bytes.NewReader(valid)) }, nil, http.StatusMethodNotAllowed},
		{"HEAD", func() *http.Request { return httptest.NewRequest(http.MethodHead, "/events", nil) }, nil, http.StatusMethodNotAllowed},
		{"oversized", func() *http.Request { return post("/events", big) }, []events.Option{events.WithMaxBodyBytes(1024)}, http.StatusRequestEntityTooLarge},
		{"oversized without length", func() *http.Request {
			r := post("/events", big)
			r.ContentLength = -1
			r.Body = io.NopCloser(bytes.NewReader(big))
			return r
		}, []events.Option{events.WithMaxBodyBytes(1024)}, http.StatusRequestEntityTooLarge},
		{"oversized default", func() *http.Request {
			b := append([]byte(`{"event_type":"message:new","pad":"`), bytes.Repeat([]byte("x"), 1<<20)...)
			return post("/events", append(b, `"}`...))
		}, nil, http.StatusRequestEntityTooLarge},
		{"at the limit", func() *http.Request { return post("/events", big) }, []events.Option{events.WithMaxBodyBytes(int64(len(big)))}, http.StatusOK},
		{"oversized with wrong token is 401", func() *http.Request { return post("/events/wrong-token-0123456789", big) },
			[]events.Option{events.WithMaxBodyBytes(1024), events.WithPathToken(goodToken)}, http.StatusUnauthorized},
		{"invalid JSON", func() *http.Request { return post("/events", []byte(`{"event_type":`)) }, nil, http.StatusBadRequest},
		{"empty body", func() *http.Request { return post("/events", nil) }, nil, http.StatusBadRequest},
		{"array", func() *http.Request { return post("/events", readFixture(t, "malformed/not_object.json")) }, nil, http.StatusBadRequest},
		{"no event_type", func() *http.Request { return post("/events", readFixture(t, "malformed/no_event_type.json")) }, nil, http.StatusBadRequest},
		{"bad chat_id", func() *http.Request { return post("/events", readFixture(t, "malformed/chat_id_not_numeric.json")) }, nil, http.StatusBadRequest},
		{"bad timestamp", func() *http.Request { return post("/events", readFixture(t, "malformed/bad_timestamp.json")) }, nil, http.StatusBadRequest},
		{"unknown type accepted", func() *http.Request { return post("/events", readFixture(t, "unknown_waba_message_received.json")) }, nil, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, rec, logs := newHandler(t, tc.opts...)
			w := serve(h, tc.req())
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d (log %s)", w.Code, tc.want, logs)
			}
			if tc.want == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q", w.Header().Get("Allow"))
			}
			if tc.want != http.StatusOK {
				if got := rec.list(); len(got) != 0 {
					t.Errorf("callbacks ran: %v", got)
				}
				if w.Body.String() != http.StatusText(tc.want)+"\n" {
					t.Errorf("body %q", w.Body)
				}
			}
		})
	}
}

func TestHandlerURLToken(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "message_received_new.json")
	tests := []struct {
		name   string
		opts   []events.Option
		target string
		want   int
		reason string
	}{
		{"path right", []events.Option{events.WithPathToken(goodToken)}, "/timelines/events/" + goodToken, 200, ""},
		{"path right, escaped", []events.Option{events.WithPathToken(goodToken)}, "/timelines/events/tok_0123456789abcdefABCDEF-._%7Exyz", 200, ""},
		{"path second token", []events.Option{events.WithPathToken(goodToken, otherToken)}, "/e/" + otherToken, 200, ""},
		{"path wrong", []events.Option{events.WithPathToken(goodToken)}, "/timelines/events/" + otherToken, 401, "URL token wrong"},
		{"path prefix of the token", []events.Option{events.WithPathToken(goodToken)}, "/timelines/events/" + goodToken[:20], 401, "URL token wrong"},
		{"path token plus suffix", []events.Option{events.WithPathToken(goodToken)}, "/timelines/events/" + goodToken + "x", 401, "URL token wrong"},
		{"path token not last", []events.Option{events.WithPathToken(goodToken)}, "/" + goodToken + "/events", 401, "URL token wrong"},
		{"path missing", []events.Option{events.WithPathToken(goodToken)}, "/timelines/events/", 401, "URL token missing"},
		{"path token in query instead", []events.Option{events.WithPathToken(goodToken)}, "/timelines/events?token=" + goodToken, 401, "URL token wrong"},
		{"query right", []events.Option{events.WithQueryToken("token", goodToken)}, "/events?token=" + goodToken, 200, ""},
		{"query wrong", []events.Option{events.WithQueryToken("token", goodToken)}, "/events?token=" + otherToken, 401, "URL token wrong"},
		{"query missing", []events.Option{events.WithQueryToken("token", goodToken)}, "/events", 401, "URL token missing"},
		{"query empty", []events.Option{events.WithQueryToken("token", goodToken)}, "/events?token=", 401, "URL token missing"},
		{"query other name", []events.Option{events.WithQueryToken("token", goodToken)}, "/events?t=" + goodToken, 401, "URL token missing"},
		{"query repeated", []events.Option{events.WithQueryToken("token", goodToken)}, "/events?token=" + goodToken + "&token=" + goodToken, 401, "URL token wrong"},
		{"both right", []events.Option{events.WithPathToken(goodToken), events.WithQueryToken("k", otherToken)}, "/e/" + goodToken + "?k=" + otherToken, 200, ""},
		{"both, query wrong", []events.Option{events.WithPathToken(goodToken), events.WithQueryToken("k", otherToken)}, "/e/" + goodToken + "?k=" + goodToken, 401, "URL token wrong"},
		{"no check configured", nil, "/anything", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, rec, logs := newHandler(t, tc.opts...)
			req := post("http://127.0.0.1"+tc.target, body)
			req.Body = io.NopCloser(&failIfRead{t: t, ok: tc.want == 200, r: bytes.NewReader(body)})
			w := serve(h, req)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d (log %s)", w.Code, tc.want, logs)
			}
			if tc.want == 200 && len(rec.list()) != 1 || tc.want != 200 && len(rec.list()) != 0 {
				t.Errorf("callbacks %v", rec.list())
			}
			if !strings.Contains(logs.String(), tc.reason) {
				t.Errorf("log lacks %q: %s", tc.reason, logs)
			}
			for _, tok := range []string{goodToken, otherToken, goodToken[:20]} {
				if strings.Contains(logs.String(), tok) || strings.Contains(w.Body.String(), tok) {
					t.Errorf("token leaked: log %s body %q", logs, w.Body)
				}
			}
		})
	}
}

// failIfRead fails the test when a request refused by the token check had
// its body read.
type failIfRead struct {
	t  *testing.T
	ok bool
	r  io.Reader
}

func (f *failIfRead) Read(p []byte) (int, error) {
	if !f.ok {
		f.t.Error("body read before the token check refused the request")
	}
	return f.r.Read(p)
}

func TestHandlerTokenOptionValidation(t *testing.T) {
	t.Parallel()
	bad := []struct {
		name  string
		opt   events.Option
		field string
	}{
		{"no tokens", events.WithPathToken(), "WithPathToken"},
		{"short", events.WithPathToken("short-token"), "WithPathToken"},
		{"slash", events.WithPathToken("0123456789abcdef/x"), "WithPathToken"},
		{"space", events.WithQueryToken("t", "0123456789abcdef x"), "WithQueryToken"},
		{"one of two bad", events.WithPathToken(goodToken, "bad"), "WithPathToken"},
		{"empty param", events.WithQueryToken("", goodToken), "WithQueryToken"},
		{"zero body limit", events.WithMaxBodyBytes(0), "WithMaxBodyBytes"},
		{"negative dedup TTL", events.WithDedupTTL(-1), "WithDedupTTL"},
	}
	for _, tc := range bad {
		h, err := events.NewHandler(tc.opt)
		var ve *webhooks.ValidationError
		if h != nil || !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: %v, %v; want a *ValidationError for %s", tc.name, h, err, tc.field)
			continue
		}
		var shared *tlpartner.ValidationError // errors.As works across packages
		if !errors.As(err, &shared) || shared.Field != tc.field || !errors.Is(err, tlpartner.ErrInvalidRequest) || !strings.HasPrefix(err.Error(), "events: invalid "+tc.field+": ") {
			t.Errorf("%s: error %q", tc.name, err)
		}
		if strings.Contains(err.Error(), "0123456789abcdef") {
			t.Errorf("%s: error echoes the token: %v", tc.name, err)
		}
	}
	if _, err := events.NewHandler(nil, events.WithPathToken(goodToken)); err != nil {
		t.Errorf("nil option: %v", err)
	}
	tok, err := events.GenerateToken()
	if err != nil || len(tok) != 43 {
		t.Fatalf("GenerateToken = %q, %v", tok, err)
	}
	if _, err := events.NewHandler(events.WithPathToken(tok), events.WithQueryToken("t", tok)); err != nil {
		t.Errorf("generated token refused: %v", err)
	}
	if tok2, _ := events.GenerateToken(); tok2 == tok {
		t.Error("GenerateToken repeats itself")
	}
}

func TestHandlerCallbackErrors(t *testing.T) {
	t.Parallel()
	logs := &testutil.SyncBuffer{}
	h, err := events.NewHandler(events.WithLogger(slog.New(slog.NewJSONHandler(logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h.OnMessageReceived(func(context.Context, *events.MessageReceived) error { return errors.New("crm down: detail-17") })
	w := serve(h, post("/events", readFixture(t, "message_received_new.json")))
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "detail-17") {
		t.Fatalf("status %d body %q", w.Code, w.Body)
	}
	for _, want := range []string{"events: callback failed", "detail-17", `"event_type":"message:received:new"`, `"dedup_key":"message:received:new|`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s: %s", want, logs)
		}
	}
	// The catch-all's error is a 500 too.
	h.OnEvent(func(context.Context, events.Event) error { return errors.New("nope") })
	if w := serve(h, post("/events", readFixture(t, "unknown_waba_message_received.json"))); w.Code != http.StatusInternalServerError {
		t.Errorf("catch-all error: status %d", w.Code)
	}
	// Message bodies (names, phones, text) are not logged.
	for _, pii := range []string{"Thanks, got it", "+123456789", "John Smith"} {
		if strings.Contains(logs.String(), pii) {
			t.Errorf("log holds %q: %s", pii, logs)
		}
	}
}

func TestHandlerDispatchRules(t *testing.T) {
	t.Parallel()
	h, err := events.NewHandler()
	if err != nil {
		t.Fatal(err)
	}
	body := readFixture(t, "chat_new.json")
	if w := serve(h, post("/", body)); w.Code != http.StatusOK {
		t.Fatalf("no callbacks: %d", w.Code)
	}
	var typed, any atomic.Int32
	h.OnEvent(func(context.Context, events.Event) error { any.Add(1); return nil })
	h.OnChatNew(func(context.Context, *events.ChatNew) error { typed.Add(1); return nil })
	serve(h, post("/", body))
	h.OnChatNew(nil)
	serve(h, post("/", body))
	if typed.Load() != 1 || any.Load() != 1 {
		t.Fatalf("typed=%d any=%d", typed.Load(), any.Load())
	}
	var ve *webhooks.ValidationError
	if err := h.Dispatch(context.Background(), nil); !errors.As(err, &ve) || ve.Field != "e" {
		t.Errorf("Dispatch(nil) = %v", err)
	}
}

func TestHandlerDeduplicates(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	h, rec, logs := newHandler(t, events.WithDeduplicator(webhooks.NewMemoryDeduplicator(100)))
	h.OnMessageReceived(func(_ context.Context, e *events.MessageReceived) error {
		if fail.Load() {
			return errors.New("temporary")
		}
		return rec.add("MessageReceived", e)
	})
	body := readFixture(t, "message_received_new.json")
	// A re-sent delivery with other spacing is the same
	// message.
	resent := bytes.ReplaceAll(body, []byte(`": `), []byte(`":`))
	for _, b := range [][]byte{body, body, resent} {
		if w := serve(h, post("/", b)); w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
	}
	if got := rec.list(); len(got) != 1 {
		t.Fatalf("callbacks %v, want one", got)
	}
	if n := strings.Count(logs.String(), "events: duplicate delivery"); n != 2 {
		t.Errorf("%d duplicates logged: %s", n, logs)
	}
	// A failing callback releases its claim: the retry runs.
	fail.Store(true)
	other := readFixture(t, "message_sent_new.json")
	h.OnMessageSent(func(context.Context, *events.MessageSent) error { return errors.New("temporary") })
	if w := serve(h, post("/", other)); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	h.OnMessageSent(func(_ context.Context, e *events.MessageSent) error { return rec.add("MessageSent", e) })
	if w := serve(h, post("/", other)); w.Code != http.StatusOK || len(rec.list()) != 2 {
		t.Fatalf("retry: status %d callbacks %v", w.Code, rec.list())
	}

	// A store failure processes the event and logs.
	d := &testutil.Dedup{ClaimErr: errors.New("store offline")}
	h2, rec2, logs2 := newHandler(t, events.WithDeduplicator(d), events.WithDedupTTL(3600e9))
	serve(h2, post("/", body))
	serve(h2, post("/", body))
	if len(rec2.list()) != 2 || !strings.Contains(logs2.String(), "store offline") {
		t.Errorf("store failure: callbacks %v log %s", rec2.list(), logs2)
	}
	if c := d.Claims(); len(c) != 2 || c[0].TTL != 3600e9 {
		t.Errorf("claims %+v", c)
	}
	// Default TTL.
	d3 := &testutil.Dedup{}
	h3, _, _ := newHandler(t, events.WithDeduplicator(d3))
	serve(h3, post("/", body))
	if c := d3.Claims(); len(c) != 1 || c[0].TTL != events.DefaultDedupTTL {
		t.Errorf("claims %+v", c)
	}
}
