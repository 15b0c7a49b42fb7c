package inbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/inbox"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

func messageBody(uid string, chat int64) string {
	return fmt.Sprintf(`{"event_type":"message:received:new","chat":{"chat_id":%d,"full_name":"Ann","phone":"+4915100000001"},
"whatsapp_account":{"phone":"+31600000001"},"message":{"message_uid":%q,"text":"hi","direction":"received",
"timestamp":"2026-12-04 10:00:00 +0000","sender":{"full_name":"Ann","phone":"+4915100000001"},"recipient":{},"attachments":[]}}`, chat, uid)
}

func openSQLite(t *testing.T, w *world, deliver inbox.Deliver, opts ...inbox.Option) *inbox.Inbox {
	t.Helper()
	in, err := inbox.Open(context.Background(), sqliteStore(t), w.clients(t), deliver,
		append([]inbox.Option{inbox.WithURLToken(testToken)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Close() })
	return in
}

func countRows(t *testing.T, in *inbox.Inbox, table string) int {
	t.Helper()
	var n int
	if err := in.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestHandlerBadInput: a wrong or missing token, a malformed body, an
// unknown workspace and a wrong method get the events.Handler statuses,
// and nothing is recorded.
func TestHandlerBadInput(t *testing.T) {
	w := newWorld(t)
	in := openSQLite(t, w, func(context.Context, inbox.Message) error { return nil })
	if err := in.AddWorkspace(context.Background(), w.ws); err != nil {
		t.Fatal(err)
	}
	good := "/in/" + w.ws + "/" + testToken
	for _, c := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"wrong token", "POST", "/in/" + w.ws + "/wrong-token-0123456789abcdef", messageBody("u1", 7), 401},
		{"no token", "POST", "/in/" + w.ws + "/", messageBody("u1", 7), 401},
		{"malformed body", "POST", good, `{"event_type":"message:received:new","message":`, 400},
		{"not an object", "POST", good, `[1,2]`, 400},
		{"unknown workspace", "POST", "/in/nope/" + testToken, messageBody("u1", 7), 500},
		{"workspace segment missing", "POST", "/" + testToken, messageBody("u1", 7), 500},
		{"no message uid", "POST", good, messageBody("", 7), 500},
		{"GET", "GET", good, "", 405},
	} {
		rec := httptest.NewRecorder()
		in.Handler().ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)))
		if rec.Code != c.status {
			t.Errorf("%s: status %d, want %d", c.name, rec.Code, c.status)
		}
		if strings.Contains(rec.Body.String(), testToken) {
			t.Errorf("%s: the answer echoes the token", c.name)
		}
	}
	if n := countRows(t, in, "tlpartner_inbox_message"); n != 0 {
		t.Fatalf("%d messages recorded from bad input", n)
	}
	// The good delivery is recorded once, repeated or not.
	for range 2 {
		rec := httptest.NewRecorder()
		in.Handler().ServeHTTP(rec, httptest.NewRequest("POST", good, strings.NewReader(messageBody("u1", 7))))
		if rec.Code != 200 {
			t.Fatalf("good delivery: %d %s", rec.Code, rec.Body)
		}
	}
	if n := countRows(t, in, "tlpartner_inbox_message"); n != 1 {
		t.Fatalf("%d messages recorded, want 1", n)
	}
	// Other events are acknowledged and ignored.
	rec := httptest.NewRecorder()
	in.Handler().ServeHTTP(rec, httptest.NewRequest("POST", good, strings.NewReader(`{"event_type":"chat:new","chat":{"id":7}}`)))
	if rec.Code != 200 || countRows(t, in, "tlpartner_inbox_message") != 1 {
		t.Fatalf("chat:new: %d", rec.Code)
	}
}

func TestOpenValidation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	noop := func(context.Context, inbox.Message) error { return nil }
	for name, c := range map[string]struct {
		st    outbox.Store
		cf    inbox.ClientFunc
		d     inbox.Deliver
		opts  []inbox.Option
		field string
	}{
		"no token":        {sqliteStore(t), w.clients(t), noop, nil, "WithURLToken"},
		"short token":     {sqliteStore(t), w.clients(t), noop, []inbox.Option{inbox.WithURLToken("short")}, "WithURLToken"},
		"no callback":     {sqliteStore(t), w.clients(t), nil, []inbox.Option{inbox.WithURLToken(testToken)}, "deliver"},
		"no clients":      {sqliteStore(t), nil, noop, []inbox.Option{inbox.WithURLToken(testToken)}, "clients"},
		"no store":        {outbox.Store{}, w.clients(t), noop, []inbox.Option{inbox.WithURLToken(testToken)}, "store"},
		"memory store":    {outbox.SQLite(":memory:"), w.clients(t), noop, []inbox.Option{inbox.WithURLToken(testToken)}, "store"},
		"short retention": {sqliteStore(t), w.clients(t), noop, []inbox.Option{inbox.WithURLToken(testToken), inbox.WithRetention(time.Minute)}, "WithRetention"},
		"interval":        {sqliteStore(t), w.clients(t), noop, []inbox.Option{inbox.WithURLToken(testToken), inbox.WithCatchUpInterval(time.Millisecond)}, "WithCatchUpInterval"},
		"public URL":      {sqliteStore(t), w.clients(t), noop, []inbox.Option{inbox.WithURLToken(testToken), inbox.WithPublicURL("ftp://x")}, "WithPublicURL"},
		"backoff":         {sqliteStore(t), w.clients(t), noop, []inbox.Option{inbox.WithURLToken(testToken), inbox.WithRetryBackoff(time.Second, time.Millisecond)}, "WithRetryBackoff"},
	} {
		_, err := inbox.Open(ctx, c.st, c.cf, c.d, c.opts...)
		var ve *inbox.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: %v, want a ValidationError for %s", name, err, c.field)
		}
	}
	in := openSQLite(t, w, noop)
	for _, id := range []string{"", "a/b", strings.Repeat("x", 200), ".."} {
		var ve *inbox.ValidationError
		if err := in.AddWorkspace(ctx, id); !errors.As(err, &ve) {
			t.Errorf("AddWorkspace(%q): %v", id, err)
		}
	}
	if n := countRows(t, in, "tlpartner_inbox_workspace"); n != 0 {
		t.Fatalf("%d workspaces stored from bad input", n)
	}
}

// TestRetryKeepsChatOrder: a failing callback is retried with backoff and
// the chat's later messages wait for it; other chats go on.
func TestRetryKeepsChatOrder(t *testing.T) {
	w := newWorld(t)
	var failures sync.Map
	col := &collector{}
	var firstUID string
	var once sync.Once
	col.fail = func(m inbox.Message) error {
		once.Do(func() { firstUID = m.UID })
		if m.UID == firstUID {
			n, _ := failures.LoadOrStore(m.UID, new(int))
			if *n.(*int)++; *n.(*int) <= 2 {
				return errors.New("CRM down")
			}
		}
		return nil
	}
	in := openSQLite(t, w, col.deliver, inbox.WithRetryBackoff(200*time.Millisecond, time.Second),
		inbox.WithPollInterval(50*time.Millisecond), inbox.WithCatchUpInterval(time.Second))
	ctx := context.Background()
	if err := in.AddWorkspace(ctx, w.ws); err != nil {
		t.Fatal(err)
	}
	base := serve(t, in.Handler())
	if _, err := w.client(t).CreateWebhook(ctx, publicapiHook("message:received:new", base+"/x/"+w.ws+"/"+testToken)); err != nil {
		t.Fatal(err)
	}
	startRun(t, in)
	var want []string
	for i := range 6 {
		m, err := w.srv.SimulateIncomingMessage(w.ws, phone(i%2), fmt.Sprint("m", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, m.MessageUID)
		time.Sleep(20 * time.Millisecond)
	}
	waitFor(t, 20*time.Second, "all delivered", func() bool { return len(col.snapshot()) >= 6 })
	checkOnceInOrder(t, col.snapshot(), want)
	if n, _ := failures.Load(firstUID); n == nil || *n.(*int) != 3 {
		t.Fatalf("the failing message ran %v times, want 3", n)
	}
}

// TestSubscriptionProblems: a disabled subscription, one pointing
// elsewhere and a missing one are reported within one catch-up interval.
func TestSubscriptionProblems(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	var got []inbox.SubscriptionProblem
	const interval = 2 * time.Second
	in := openSQLite(t, w, func(context.Context, inbox.Message) error { return nil },
		inbox.WithPublicURL("https://crm.example.com/tl"), inbox.WithOutgoing(), inbox.WithCatchUpInterval(interval),
		inbox.WithPollInterval(50*time.Millisecond), inbox.WithProblemHook(func(p inbox.SubscriptionProblem) {
			mu.Lock()
			got = append(got, p)
			mu.Unlock()
		}))
	ctx := context.Background()
	if err := in.AddWorkspace(ctx, w.ws); err != nil {
		t.Fatal(err)
	}
	pc := w.client(t)
	if err := in.Subscribe(ctx, pc, w.ws); err != nil {
		t.Fatal(err)
	}
	u, _ := in.WebhookURL(w.ws)
	if u != "https://crm.example.com/tl/"+w.ws+"/"+testToken {
		t.Fatalf("WebhookURL %q", u)
	}
	startRun(t, in)
	problems := func() []inbox.SubscriptionProblem {
		mu.Lock()
		defer mu.Unlock()
		return append([]inbox.SubscriptionProblem(nil), got...)
	}
	time.Sleep(interval + 500*time.Millisecond)
	if p := problems(); len(p) != 0 {
		t.Fatalf("problems with correct subscriptions: %+v", p)
	}
	hooks, err := pc.ListWebhooks(ctx)
	if err != nil || len(hooks) != 2 {
		t.Fatalf("%v %+v", err, hooks)
	}
	var received, sent publicapi.Webhook
	for _, h := range hooks {
		if h.EventType == "message:received:new" {
			received = h
		} else {
			sent = h
		}
	}
	if _, err := pc.UpdateWebhook(ctx, received.ID, publicapi.UpdateWebhookParams{Enabled: publicapi.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.UpdateWebhook(ctx, sent.ID, publicapi.UpdateWebhookParams{URL: publicapi.Ptr("https://old.example.com/hook")}); err != nil {
		t.Fatal(err)
	}
	changed := time.Now()
	waitFor(t, interval+2*time.Second, "both problems reported", func() bool { return len(problems()) >= 2 })
	t.Logf("reported %v after the change (interval %v)", time.Since(changed).Round(10*time.Millisecond), interval)
	kinds := map[string]inbox.SubscriptionProblem{}
	for _, p := range problems() {
		kinds[p.EventType] = p
	}
	if p := kinds["message:received:new"]; p.Kind != inbox.ProblemDisabled || p.SubscriptionID != received.ID || p.WorkspaceID != w.ws {
		t.Errorf("received: %+v", p)
	}
	if p := kinds["message:sent:new"]; p.Kind != inbox.ProblemElsewhere || p.SubscriptionID != sent.ID {
		t.Errorf("sent: %+v", p)
	}
	if err := pc.DeleteWebhook(ctx, received.ID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got = nil
	mu.Unlock()
	waitFor(t, interval+2*time.Second, "missing reported", func() bool {
		for _, p := range problems() {
			if p.EventType == "message:received:new" && p.Kind == inbox.ProblemMissing {
				return true
			}
		}
		return false
	})
}

// TestPrune: delivered UIDs are forgotten after the retention.
func TestPrune(t *testing.T) {
	w := newWorld(t)
	col := &collector{}
	in := openSQLite(t, w, col.deliver, inbox.WithCatchUpInterval(time.Second), inbox.WithLookBack(time.Millisecond),
		inbox.WithRetention(2500*time.Millisecond), inbox.WithPollInterval(50*time.Millisecond))
	ctx := context.Background()
	if err := in.AddWorkspace(ctx, w.ws); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	in.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/"+w.ws+"/"+testToken, strings.NewReader(messageBody("11111111-2222-3333-4444-555555555555", 1))))
	if rec.Code != http.StatusOK {
		t.Fatal(rec.Code)
	}
	startRun(t, in)
	waitFor(t, 10*time.Second, "delivered", func() bool { return len(col.snapshot()) == 1 })
	// The fake has no chat 1: the recorded webhook payload is delivered.
	if m := col.snapshot()[0]; m.Source != inbox.SourceWebhook || m.Text != "hi" || m.Sender.Phone != "+4915100000001" ||
		m.ChatID != 1 || m.Timestamp.IsZero() || m.Direction != events.DirectionReceived {
		t.Fatalf("delivered %+v", m)
	}
	if countRows(t, in, "tlpartner_inbox_message") != 1 {
		t.Fatal("delivered message not remembered")
	}
	waitFor(t, 10*time.Second, "pruned", func() bool { return countRows(t, in, "tlpartner_inbox_message") == 0 })
}

// TestNoTokenInOutput: the URL token shows in no fmt verb and in no log
// record of a refused delivery (Inbox has no exported fields: its JSON is
// {}).
func TestNoTokenInOutput(t *testing.T) {
	w := newWorld(t)
	in := openSQLite(t, w, func(context.Context, inbox.Message) error { return nil })
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, in); strings.Contains(out, testToken) || strings.Contains(out, "inbox-test-token") {
			t.Errorf("%s shows the token: %s", verb, out)
		}
	}
	var buf bytes.Buffer
	logged := openSQLite(t, w, func(context.Context, inbox.Message) error { return nil },
		inbox.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	for _, path := range []string{"/in/nope/" + testToken, "/in/" + w.ws + "/wrong-token-0123456789abcdef"} {
		logged.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", path, strings.NewReader(messageBody("u1", 7))))
	}
	if buf.Len() == 0 || strings.Contains(buf.String(), testToken) || strings.Contains(buf.String(), "wrong-token") {
		t.Errorf("log: %s", buf.String())
	}
}

// TestOutgoing: with WithOutgoing, messages the workspace sends are
// delivered too (marked sent), in order with the incoming ones; without
// it, only incoming ones.
func TestOutgoing(t *testing.T) {
	for _, outgoing := range []bool{false, true} {
		t.Run(fmt.Sprint("outgoing=", outgoing), func(t *testing.T) {
			w := newWorld(t)
			col := &collector{}
			opts := []inbox.Option{inbox.WithCatchUpInterval(time.Second), inbox.WithPollInterval(50 * time.Millisecond),
				inbox.WithPublicURL("http://127.0.0.1:1/unused")}
			if outgoing {
				opts = append(opts, inbox.WithOutgoing())
			}
			in := openSQLite(t, w, col.deliver, opts...)
			ctx := context.Background()
			if err := in.AddWorkspace(ctx, w.ws); err != nil {
				t.Fatal(err)
			}
			base := serve(t, in.Handler())
			pc := w.client(t)
			for _, et := range in.EventTypes() {
				if _, err := pc.CreateWebhook(ctx, publicapiHook(et, base+"/x/"+w.ws+"/"+testToken)); err != nil {
					t.Fatal(err)
				}
			}
			startRun(t, in)
			in1, err := w.srv.SimulateIncomingMessage(w.ws, phone(1), "question")
			if err != nil {
				t.Fatal(err)
			}
			sent, err := pc.SendToPhone(ctx, phone(1), publicapi.SendParams{Text: publicapi.Ptr("answer")})
			if err != nil {
				t.Fatal(err)
			}
			in2, err := w.srv.SimulateIncomingMessage(w.ws, phone(1), "thanks")
			if err != nil {
				t.Fatal(err)
			}
			want := []string{in1.MessageUID, in2.MessageUID}
			if outgoing {
				want = []string{in1.MessageUID, sent, in2.MessageUID}
			}
			waitFor(t, 10*time.Second, "delivered", func() bool { return len(col.snapshot()) >= len(want) })
			time.Sleep(1500 * time.Millisecond) // a catch-up more: nothing else may come
			calls := col.snapshot()
			if len(calls) != len(want) {
				t.Fatalf("%d calls, want %d", len(calls), len(want))
			}
			for i, m := range calls {
				if m.UID != want[i] {
					t.Fatalf("call %d is %s, want %s", i, m.UID, want[i])
				}
				wantDir := events.DirectionReceived
				if m.UID == sent {
					wantDir = events.DirectionSent
				}
				if m.Direction != wantDir {
					t.Errorf("message %s: direction %s", m.UID, m.Direction)
				}
			}
		})
	}
}

// TestLongDowntimeNewChats: messages in chats the inbox never saw, made
// while nothing ran for longer than the look-back, are all delivered by
// the catch-up (it keeps its checkpoint for the chats it queues).
func TestLongDowntimeNewChats(t *testing.T) {
	w := newWorld(t)
	col := &collector{}
	logs := &syncWriter{w: &bytes.Buffer{}}
	in := openSQLite(t, w, col.deliver, inbox.WithCatchUpInterval(time.Second), inbox.WithLookBack(time.Millisecond),
		inbox.WithRetention(time.Hour), inbox.WithPollInterval(50*time.Millisecond),
		inbox.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	ctx := context.Background()
	if err := in.AddWorkspace(ctx, w.ws); err != nil {
		t.Fatal(err)
	}
	// No subscription and no Run: every message is "missed".
	var want []string
	for i := range 9 {
		m, err := w.srv.SimulateIncomingMessage(w.ws, phone(i%3), fmt.Sprint("m", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, m.MessageUID)
	}
	time.Sleep(1100 * time.Millisecond) // longer than the look-back, past the API's whole second
	startRun(t, in)
	waitFor(t, 10*time.Second, "all delivered", func() bool { return len(col.snapshot()) >= len(want) })
	time.Sleep(1500 * time.Millisecond)
	checkOnceInOrder(t, col.snapshot(), want)
	// The missing subscription is reported; nothing failed.
	out := logs.String()
	if !strings.Contains(out, "problem=missing") || strings.Contains(out, "failed") || strings.Contains(out, "could not") {
		t.Errorf("log:\n%s", out)
	}
}

// syncWriter serialises writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
