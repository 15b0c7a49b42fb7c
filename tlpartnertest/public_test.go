package tlpartnertest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func TestPublicTokenRotationCutsOffOldToken(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "rotating", "+31612345678")

	ok(t, p.do("GET", "/chats", nil))
	old := p.rotate()
	for _, tok := range []string{old, "", "not-a-token"} {
		a := p.doToken(tok, "GET", "/chats", nil)
		if a.status != 401 || string(a.raw) != `{"message":"Invalid or expired token","status":"error"}`+"\n" {
			t.Fatalf("token %q: got %d %s", tok, a.status, a.raw)
		}
	}
	// The new token works at once, for reads and sends alike.
	ok(t, p.do("GET", "/workspace", nil))
	p.send("+4915112345678", "after rotation")
	if reqs := srv.Requests(); reqs[len(reqs)-1].WorkspaceID != p.id {
		t.Errorf("request log: WorkspaceID %q, want %q", reqs[len(reqs)-1].WorkspaceID, p.id)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(fmt.Sprint(r.Header), old) || strings.Contains(fmt.Sprint(r.Header), p.token) {
			t.Fatal("request log holds a token")
		}
	}
}

func TestPublicOtherWorkspaceSeesNothing(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	a := newPubWS(t, srv, "alpha", "+31611111111")
	b := newPubWS(t, srv, "beta", "+31622222222")

	uid := a.send("+4915100000001", "private to alpha")
	chatID := okMap(t, a.do("GET", "/messages/"+uid, nil))["chat_id"].(string)
	file := okMap(t, a.upload("/files_upload", "a.txt", []byte("alpha"), nil))["uid"].(string)
	hook := a.subscribe("message:new", "http://127.0.0.1:1/hook")

	if chats := okMap(t, b.do("GET", "/chats", nil))["chats"].([]any); len(chats) != 0 {
		t.Fatalf("beta lists alpha's chats: %v", chats)
	}
	if files := okList(t, b.do("GET", "/files", nil)); len(files) != 0 {
		t.Fatalf("beta lists alpha's files: %v", files)
	}
	if hooks := okList(t, b.do("GET", "/webhooks", nil)); len(hooks) != 0 {
		t.Fatalf("beta lists alpha's webhooks: %v", hooks)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/chats/" + chatID}, {"PATCH", "/chats/" + chatID}, {"GET", "/chats/" + chatID + "/messages"},
		{"POST", "/chats/" + chatID + "/messages"}, {"GET", "/chats/" + chatID + "/labels"},
		{"GET", "/messages/" + uid}, {"GET", "/messages/" + uid + "/status_history"}, {"PATCH", "/messages/" + uid + "/reactions"},
		{"GET", "/files/" + file}, {"DELETE", "/files/" + file},
		{"GET", fmt.Sprintf("/webhooks/%d", hook)}, {"DELETE", fmt.Sprintf("/webhooks/%d", hook)},
	} {
		got := b.do(c.method, c.path, map[string]any{"text": "x", "reaction": "👍"})
		if got.status != 403 || string(got.raw) != `{"message":"Access denied","status":"error"}`+"\n" {
			t.Errorf("%s %s: got %d %s, want 403 Access denied", c.method, c.path, got.status, got.raw)
		}
	}
	// Sending with a file of another workspace is refused too.
	pubFailStatus(t, b.do("POST", "/messages", map[string]any{"phone": "+4915100000002", "file_uid": file}), 403)
	// alpha's data is untouched.
	ok(t, a.do("GET", "/files/"+file, nil))
}

func pubFailStatus(t *testing.T, a answer, status int) {
	t.Helper()
	if a.status != status || a.str("status") != "error" {
		t.Fatalf("got %d %s, want %d error", a.status, a.raw, status)
	}
}

func TestPublicSendCreatesChatAndStatusesAdvance(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "sender", "+31612345678")

	first := p.send("+4915112345678", "one")
	second := p.send("+49 151 1234-5678", "two") // same number, other spelling
	chats := okMap(t, p.do("GET", "/chats", nil))["chats"].([]any)
	if len(chats) != 1 {
		t.Fatalf("want one chat, got %d", len(chats))
	}
	chat := chats[0].(map[string]any)
	if chat["phone"] != "+4915112345678" || chat["whatsapp_account_id"] != "31612345678@s.whatsapp.net" ||
		chat["last_message_uid"] != second || chat["jid"] != "4915112345678@s.whatsapp.net" {
		t.Fatalf("chat: %v", chat)
	}
	status := func(uid string) string {
		return okMap(t, p.do("GET", "/messages/"+uid, nil))["status"].(string)
	}
	// The first message goes out at once, the next one SendInterval later.
	if s1, s2 := status(first), status(second); s1 != "Sent" || s2 != "Queued" {
		t.Fatalf("statuses %s, %s; want Sent, Queued", s1, s2)
	}
	srv.Advance(tlpartnertest.DefaultSendInterval)
	if s1, s2 := status(first), status(second); s1 != "Delivered" || s2 != "Sent" {
		t.Fatalf("after one interval: %s, %s; want Delivered, Sent", s1, s2)
	}
	srv.Advance(time.Hour)
	if s1, err := srv.MessageStatus(p.id, first); err != nil || s1 != "Read" {
		t.Fatalf("MessageStatus: %q, %v", s1, err)
	}
	hist := okList(t, p.do("GET", "/messages/"+second+"/status_history", nil))
	var steps []string
	for _, h := range hist {
		steps = append(steps, h.(map[string]any)["status"].(string))
		if _, err := time.Parse("2006-01-02 15:04:05 -0700", h.(map[string]any)["timestamp"].(string)); err != nil {
			t.Errorf("timestamp: %v", err)
		}
	}
	if want := []string{"Queued", "Sent", "Delivered", "Read"}; !slices.Equal(steps, want) {
		t.Fatalf("history %v, want %v", steps, want)
	}
	msg := okMap(t, p.do("GET", "/messages/"+first, nil))
	if msg["from_me"] != true || msg["origin"] != "Public API" || msg["text"] != "one" || msg["sender_phone"] != "+31612345678" ||
		msg["recipient_phone"] != "+4915112345678" || msg["chat_id"] != chat["id"] {
		t.Fatalf("message: %v", msg)
	}
}

func TestPublicCredits(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "credits", "+31612345678")
	if err := srv.SetQuota(p.id, tlpartnertest.QuotaMessaging, 5); err != nil {
		t.Fatal(err)
	}
	file := okMap(t, p.upload("/files_upload", "logo.png", []byte("\x89PNG\r\n\x1a\n..."), nil))["uid"].(string)
	to := "+4915112345678"
	expectUsed := func(want int64) {
		t.Helper()
		used, total := p.credits()
		if used != want || total != 5 {
			t.Fatalf("credits used %d of %d, want %d of 5", used, total, want)
		}
		// The Partner API reports the same quota as messages_quota.
		pq := p.raw.do("GET", "/workspaces/"+p.id, nil).body["messages_quota"].(map[string]any)
		if int64(pq["used"].(float64)) != want {
			t.Fatalf("Partner messages_quota used %v, want %d", pq["used"], want)
		}
	}
	p.send(to, "text only") // 1
	expectUsed(1)
	both := okMap(t, p.do("POST", "/messages", map[string]any{"phone": to, "text": "text and file", "file_uid": file}))["message_uid"].(string) // 2
	expectUsed(3)
	ok(t, p.do("POST", "/messages", map[string]any{"phone": to, "file_uid": file})) // 1: an attachment alone
	expectUsed(4)
	// Not enough for text plus file: refused, nothing charged, no message.
	a := p.do("POST", "/messages", map[string]any{"phone": to, "text": "too much", "file_uid": file})
	pubFail(t, a, 402, "quota_exceeded")
	if !strings.Contains(a.str("message"), "quota exceeded") {
		t.Errorf("message %q does not say the quota is exceeded", a.str("message"))
	}
	expectUsed(4)
	// A failed message is refunded.
	if err := srv.FailMessage(p.id, both); err != nil {
		t.Fatal(err)
	}
	expectUsed(2)
	if got := okMap(t, p.do("GET", "/messages/"+both, nil))["status"]; got != "Failed" {
		t.Fatalf("status %v, want Failed", got)
	}
	if err := srv.FailMessage(p.id, both); err == nil {
		t.Fatal("a failed message failed twice (double refund)")
	}
	// Notes are free.
	chatID := okMap(t, p.do("GET", "/messages/"+both, nil))["chat_id"].(string)
	ok(t, p.do("POST", "/chats/"+chatID+"/notes", map[string]any{"text": "internal"}))
	expectUsed(2)
	p.send(to, "fits again") // 1
	ok(t, p.do("POST", "/messages", map[string]any{"phone": to, "text": "t", "file_uid": file}))
	expectUsed(5)
	pubFail(t, p.do("POST", "/messages", map[string]any{"phone": to, "text": "one more"}), 402, "quota_exceeded")
}

func TestPublicSendNeedsConnectedAccount(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "disconnected", "+31612345678")
	uid := p.send("+4915112345678", "before")
	chatID := okMap(t, p.do("GET", "/messages/"+uid, nil))["chat_id"].(string)
	expectStatus(t, p.raw.do("POST", "/workspaces/"+p.id+"/users/"+itoa(p.userID)+"/whatsapp/disconnect", nil), 200)

	before, _ := p.credits()
	a := p.do("POST", "/messages", map[string]any{"phone": "+4915112345678", "text": "after"})
	pubFail(t, a, 400, "whatsapp_account_not_connected")
	if !strings.Contains(a.str("message"), "connect") {
		t.Errorf("unclear message %q", a.str("message"))
	}
	pubFail(t, p.do("POST", "/chats/"+chatID+"/messages", map[string]any{"text": "after"}), 400, "whatsapp_account_not_connected")
	if after, _ := p.credits(); after != before {
		t.Fatalf("a refused send was charged: %d -> %d", before, after)
	}
	// A workspace that never connected anything cannot send either.
	never := newPubWS(t, srv, "never", "")
	pubFail(t, never.do("POST", "/messages", map[string]any{"phone": "+4915112345678", "text": "x"}), 400, "whatsapp_account_not_connected")
}

func TestPublicChatPaging(t *testing.T) {
	t.Parallel()
	for _, n := range []int{50, 51} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			srv := newFake(t, tlpartnertest.Options{})
			p := newPubWS(t, srv, "paging", "+31612345678")
			for i := range n {
				if _, err := srv.SimulateIncomingMessage(p.id, fmt.Sprintf("+49151%07d", i), "hi"); err != nil {
					t.Fatal(err)
				}
				srv.Advance(time.Second) // distinct activity times
			}
			page1 := okMap(t, p.do("GET", "/chats", nil))
			if got := len(page1["chats"].([]any)); got != 50 {
				t.Fatalf("page 1 has %d chats", got)
			}
			if page1["has_more_pages"] != (n > 50) {
				t.Fatalf("page 1 has_more_pages %v with %d chats", page1["has_more_pages"], n)
			}
			// Newest activity first.
			if first := page1["chats"].([]any)[0].(map[string]any)["phone"]; first != fmt.Sprintf("+49151%07d", n-1) {
				t.Fatalf("first chat %v is not the newest", first)
			}
			page2 := okMap(t, p.do("GET", "/chats?page=2", nil))
			if got := len(page2["chats"].([]any)); got != n-50 || page2["has_more_pages"] != false {
				t.Fatalf("page 2: %d chats, has_more_pages %v", got, page2["has_more_pages"])
			}
			if n == 51 && page2["chats"].([]any)[0].(map[string]any)["phone"] != "+491510000000" {
				t.Fatalf("page 2 does not hold the oldest chat: %v", page2["chats"])
			}
		})
	}
}

func TestPublicChatFilters(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "filters", "+31612345678")
	in, _ := srv.SimulateIncomingMessage(p.id, "+4915100000001", "hello")
	uid := p.send("+4915100000002", "hi")
	out := okMap(t, p.do("GET", "/messages/"+uid, nil))["chat_id"].(string)
	ok(t, p.do("PUT", "/chats/"+out+"/labels", map[string]any{"labels": []string{"vip"}}))
	ok(t, p.do("PATCH", fmt.Sprintf("/chats/%d", in.ChatID), map[string]any{"closed": true, "name": "Incoming Ida"}))

	count := func(query string) int {
		t.Helper()
		return len(okMap(t, p.do("GET", "/chats?"+query, nil))["chats"].([]any))
	}
	for q, want := range map[string]int{
		"": 2, "label=vip": 1, "label=vip,other": 1, "closed=true": 1, "closed=false": 1, "read=false": 1,
		"name=ida": 1, "phone=%2B4915100000001": 1, "phone=0000002": 1, "group=true": 0,
		"whatsapp_account_id=31612345678@s.whatsapp.net": 2, "created_after=2000-01-01": 2, "created_before=2000-01-01T00:00:00Z": 0,
		"label=vip&closed=true": 0,
	} {
		if got := count(q); got != want {
			t.Errorf("GET /chats?%s: %d chats, want %d", q, got, want)
		}
	}
	pubFail(t, p.do("GET", "/chats?closed=maybe", nil), 400, "validation_error")
	pubFail(t, p.do("GET", "/chats?page=0", nil), 400, "validation_error")
	pubFail(t, p.do("GET", "/chats?created_after=yesterday", nil), 400, "validation_error")
}

func TestPublicMessageCursorPaging(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "cursor", "+31612345678")
	var uids []string
	var chatID int64
	for i := range 120 {
		m, err := srv.SimulateIncomingMessage(p.id, "+4915112345678", fmt.Sprint(i))
		if err != nil {
			t.Fatal(err)
		}
		uids, chatID = append(uids, m.MessageUID), m.ChatID
	}
	base := fmt.Sprintf("/chats/%d/messages", chatID)
	texts := func(page map[string]any) []string {
		var out []string
		for _, m := range page["messages"].([]any) {
			out = append(out, m.(map[string]any)["text"].(string))
		}
		return out
	}
	seq := func(from, to int) []string { // from..to inclusive, either direction
		var out []string
		for i := from; ; {
			out = append(out, fmt.Sprint(i))
			if i == to {
				return out
			}
			if from < to {
				i++
			} else {
				i--
			}
		}
	}
	// Default: newest first; follow before_message down.
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("desc paging does not end")
		}
		q := base
		if cursor != "" {
			q += "?before_message=" + cursor
		}
		page := okMap(t, p.do("GET", q, nil))
		got = append(got, texts(page)...)
		ms := page["messages"].([]any)
		if page["has_more_pages"] != true {
			break
		}
		cursor = ms[len(ms)-1].(map[string]any)["uid"].(string)
	}
	if !slices.Equal(got, seq(119, 0)) {
		t.Fatalf("desc paging yielded %v", got)
	}
	// Ascending with after_message up.
	page := okMap(t, p.do("GET", base+"?sorting_order=asc&after_message="+uids[9], nil))
	if tx := texts(page); !slices.Equal(tx, seq(10, 59)) || page["has_more_pages"] != true {
		t.Fatalf("asc page after #9: %v more=%v", tx, page["has_more_pages"])
	}
	page = okMap(t, p.do("GET", base+"?sorting_order=asc&after_message="+uids[99], nil))
	if tx := texts(page); !slices.Equal(tx, seq(100, 119)) || page["has_more_pages"] != false {
		t.Fatalf("asc last page: %v more=%v", tx, page["has_more_pages"])
	}
	// Both cursors: a window, exclusive at both ends.
	page = okMap(t, p.do("GET", base+"?sorting_order=asc&after_message="+uids[3]+"&before_message="+uids[7], nil))
	if tx := texts(page); !slices.Equal(tx, seq(4, 6)) {
		t.Fatalf("window: %v", tx)
	}
	pubFail(t, p.do("GET", base+"?after_message=no-such-uid", nil), 404, "not_found")
	pubFail(t, p.do("GET", base+"?sorting_order=sideways", nil), 400, "validation_error")
	if n := len(okMap(t, p.do("GET", base+"?from_me=true", nil))["messages"].([]any)); n != 0 {
		t.Fatalf("from_me=true: %d messages", n)
	}
}

func TestPublicWebhookDeliveryWithRetries(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{WebhookAttempts: 3})
	p := newPubWS(t, srv, "hooks", "+31612345678")
	flaky := newHookReceiver(t, func(n int) bool { return n == 1 }) // first attempt fails
	dead := newHookReceiver(t, func(int) bool { return true })
	idle := newHookReceiver(t, nil)

	flakyID := p.subscribe("message:received:new", flaky.URL+"/hook?token=s3cret")
	deadID := p.subscribe("message:new", dead.URL+"/hook")
	off := okMap(t, p.do("POST", "/webhooks", map[string]any{"event_type": "message:received:new", "url": idle.URL, "enabled": false}))
	if off["enabled"] != false {
		t.Fatalf("enabled false not kept: %v", off)
	}
	p.subscribe("message:sent:new", idle.URL) // must not fire for an incoming message
	barrier := newHookReceiver(t, nil)
	p.subscribe("message:new", barrier.URL) // queued last: when it is done, all are

	in, err := srv.SimulateIncomingMessage(p.id, "+4915112345678", "Hello there")
	if err != nil {
		t.Fatal(err)
	}
	ds := publicDeliveries(waitN(t, srv, 3))
	if len(ds) != 3 || len(srv.Deliveries()) != 3 {
		t.Fatalf("want 3 public deliveries, got %d", len(ds))
	}
	byID := map[int64]tlpartnertest.Delivery{}
	for _, d := range ds {
		byID[d.SubscriptionID] = d
	}
	f, d := byID[flakyID], byID[deadID]
	if !f.OK() || f.Attempts != 2 || f.EventType != "message:received:new" || f.WorkspaceID != p.id {
		t.Fatalf("flaky delivery: %+v", f)
	}
	if d.OK() || d.Attempts != 3 || d.StatusCode != 500 || d.EventType != "message:new" {
		t.Fatalf("dead delivery: %+v", d)
	}
	if strings.Contains(fmt.Sprint(d.Err), "s3cret") || strings.Contains(fmt.Sprint(f.Err), "s3cret") {
		t.Fatal("delivery error shows the URL token")
	}
	body := decode(t, f.Body)
	msg := body["message"].(map[string]any)
	if body["event_type"] != "message:received:new" || msg["direction"] != "received" || msg["text"] != "Hello there" ||
		msg["message_uid"] != in.MessageUID || body["chat"].(map[string]any)["chat_id"] != float64(in.ChatID) {
		t.Fatalf("body: %s", f.Body)
	}
	if flaky.paths[0] != "/hook?token=s3cret" {
		t.Fatalf("delivered to %q", flaky.paths[0])
	}
	idle.mu.Lock()
	defer idle.mu.Unlock()
	if len(idle.bodies) != 0 {
		t.Fatalf("a disabled or non-matching subscription got %d deliveries", len(idle.bodies))
	}
	// errors_counter counts the failed delivery.
	if got := okMap(t, p.do("GET", fmt.Sprintf("/webhooks/%d", deadID), nil))["errors_counter"]; got != float64(1) {
		t.Fatalf("errors_counter %v, want 1", got)
	}
}

func TestPublicWebhookSubscriptions(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "subs", "")
	var ids []int64
	for i := range tlpartnertest.MaxWebhookSubscriptions {
		ids = append(ids, p.subscribe("message:new", fmt.Sprintf("https://example.test/h%d", i)))
	}
	a := p.do("POST", "/webhooks", map[string]any{"event_type": "message:new", "url": "https://example.test/eleventh"})
	pubFail(t, a, 409, "webhook_limit_reached")
	if n := len(okList(t, p.do("GET", "/webhooks", nil))); n != 10 {
		t.Fatalf("%d subscriptions after the refused 11th", n)
	}
	// Deleting one makes room.
	ok(t, p.do("DELETE", fmt.Sprintf("/webhooks/%d", ids[0]), nil))
	pubFail(t, p.do("GET", fmt.Sprintf("/webhooks/%d", ids[0]), nil), 404, "not_found")
	p.subscribe("chat:created", "https://example.test/alias") // the overview's name is accepted
	// PUT is partial.
	upd := okMap(t, p.do("PUT", fmt.Sprintf("/webhooks/%d", ids[1]), map[string]any{"enabled": false}))
	if upd["enabled"] != false || upd["url"] != "https://example.test/h1" || upd["event_type"] != "message:new" {
		t.Fatalf("partial update: %v", upd)
	}
	pubFail(t, p.do("PUT", fmt.Sprintf("/webhooks/%d", ids[1]), map[string]any{"url": "ftp://x"}), 400, "validation_error")
	pubFail(t, p.do("POST", "/webhooks", map[string]any{"event_type": "message:bogus", "url": "https://x.test"}), 400, "validation_error")
	pubFail(t, p.do("POST", "/webhooks", map[string]any{"url": "https://x.test"}), 400, "validation_error")
	pubFail(t, p.do("POST", "/webhooks", map[string]any{"event_type": "message:new"}), 400, "validation_error")
	pubFail(t, p.do("GET", "/webhooks/abc", nil), 404, "not_found")
}

func TestPublicConcurrentSends(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{Logf: func(string, ...any) {}})
	p := newPubWS(t, srv, "concurrent", "+31612345678")
	const n = 50
	file := okMap(t, p.upload("/files_upload", "a.pdf", []byte("%PDF-1.4"), nil))["uid"].(string)
	uids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := map[string]any{"phone": "+4915112345678", "text": fmt.Sprint(i)}
			if i%2 == 0 {
				body["file_uid"] = file // 2 credits
			}
			a := pubDo(t, srv, "POST", "/messages", body, map[string]string{"Authorization": "Bearer " + p.token})
			if a.status != 200 {
				t.Errorf("send %d: %d %s", i, a.status, a.raw)
				return
			}
			uids[i] = a.body["data"].(map[string]any)["message_uid"].(string)
		}()
	}
	wg.Wait()
	if slices.Contains(uids, "") {
		t.Fatal("a send failed")
	}
	if u := slices.Compact(slices.Sorted(slices.Values(uids))); len(u) != n {
		t.Fatalf("%d distinct uids for %d sends", len(u), n)
	}
	if used, _ := p.credits(); used != n+n/2 {
		t.Fatalf("credits used %d, want %d", used, n+n/2)
	}
	chats := okMap(t, p.do("GET", "/chats", nil))["chats"].([]any)
	if len(chats) != 1 {
		t.Fatalf("%d chats for one phone", len(chats))
	}
	id := chats[0].(map[string]any)["id"].(string)
	seen := map[string]bool{}
	for _, q := range []string{"", "?page=2"} {
		for _, m := range okMap(t, p.do("GET", "/chats/"+id+"/messages"+q, nil))["messages"].([]any) {
			seen[m.(map[string]any)["uid"].(string)] = true
		}
	}
	for _, u := range uids {
		if !seen[u] {
			t.Fatalf("message %s is missing from the chat", u)
		}
	}
	// Pacing: one message per SendInterval, so all are sent after n intervals.
	srv.Advance(n * tlpartnertest.DefaultSendInterval)
	for _, u := range uids {
		if st, _ := srv.MessageStatus(p.id, u); st == "Queued" {
			t.Fatalf("message %s still queued", u)
		}
	}
}

func TestPublicBadInput(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{MaxFileSize: 1 << 10})
	p := newPubWS(t, srv, "bad-input", "+31612345678")
	uid := p.send("+4915112345678", "x")
	for _, c := range []struct {
		name, method, path string
		body               any
		status             int
		code, field        string
	}{
		{"malformed JSON", "POST", "/messages", `{"phone":`, 400, "validation_error", ""},
		{"trailing data", "POST", "/messages", `{"phone":"+4915112345678","text":"x"} {}`, 400, "validation_error", ""},
		{"empty body", "POST", "/messages", "", 400, "validation_error", ""},
		{"JSON array", "POST", "/messages", `[]`, 400, "validation_error", ""},
		{"wrong type", "POST", "/messages", `{"phone":4915112345678,"text":"x"}`, 400, "validation_error", "phone"},
		{"missing phone", "POST", "/messages", map[string]any{"text": "x"}, 400, "validation_error", "phone"},
		{"bad phone", "POST", "/messages", map[string]any{"phone": "call me", "text": "x"}, 400, "validation_error", "phone"},
		{"no content", "POST", "/messages", map[string]any{"phone": "+4915112345678"}, 400, "validation_error", "text"},
		{"text too long", "POST", "/messages", map[string]any{"phone": "+4915112345678", "text": strings.Repeat("a", tlpartnertest.MaxTextLength+1)}, 400, "validation_error", "text"},
		{"unknown file", "POST", "/messages", map[string]any{"phone": "+4915112345678", "file_uid": "nope"}, 400, "validation_error", "file_uid"},
		{"bad template", "POST", "/messages", map[string]any{"phone": "+4915112345678", "attachment_template_id": -1}, 400, "validation_error", "attachment_template_id"},
		{"bad reply_to", "POST", "/messages/to_jid", map[string]any{"jid": "4915112345678@s.whatsapp.net", "text": "x", "reply_to": "nope"}, 400, "validation_error", "reply_to"},
		{"bad jid", "POST", "/messages/to_jid", map[string]any{"jid": "hello", "text": "x"}, 400, "validation_error", "jid"},
		{"unknown sender", "POST", "/messages", map[string]any{"phone": "+4915112345678", "text": "x", "whatsapp_account_phone": "+4400000000"}, 400, "validation_error", "whatsapp_account_phone"},
		{"unknown sender ID", "POST", "/messages", map[string]any{"phone": "+4915112345678", "text": "x", "whatsapp_account_id": "4400000000@s.whatsapp.net"}, 400, "validation_error", "whatsapp_account_id"},
		{"unknown sender ID by JID", "POST", "/messages/to_jid", map[string]any{"jid": "4915112345678@s.whatsapp.net", "text": "x", "whatsapp_account_id": "4400000000@s.whatsapp.net"}, 400, "validation_error", "whatsapp_account_id"},
		{"malformed sender ID", "POST", "/messages", map[string]any{"phone": "+4915112345678", "text": "x", "whatsapp_account_id": "+31612345678"}, 400, "validation_error", "whatsapp_account_id"},
		{"both sender fields", "POST", "/messages", map[string]any{"phone": "+4915112345678", "text": "x", "whatsapp_account_phone": "+31612345678", "whatsapp_account_id": "31612345678@s.whatsapp.net"}, 400, "validation_error", "whatsapp_account_id"},
		{"blank chat_name", "POST", "/messages", map[string]any{"phone": "+4915112345679", "text": "x", "chat_name": " "}, 400, "validation_error", "chat_name"},
		{"taken chat_name", "POST", "/messages", map[string]any{"phone": "+4915112345679", "text": "x", "chat_name": "+4915112345678"}, 409, "conflict", "chat_name"},
		{"reaction two emoji", "PATCH", "/messages/" + uid + "/reactions", map[string]any{"reaction": "👍👍"}, 400, "validation_error", "reaction"},
		{"reaction text", "PATCH", "/messages/" + uid + "/reactions", map[string]any{"reaction": "ok"}, 400, "validation_error", "reaction"},
		{"reaction missing", "PATCH", "/messages/" + uid + "/reactions", map[string]any{}, 400, "validation_error", "reaction"},
		{"labels missing", "PUT", "/chats/1000001/labels", map[string]any{}, 400, "validation_error", "labels"},
		{"empty label", "POST", "/chats/1000001/labels", map[string]any{"labels": []string{""}}, 400, "validation_error", "labels"},
		{"bad role", "POST", "/workspace/invitations", map[string]any{"email": "a@b.test", "role": "king"}, 400, "validation_error", "role"},
		{"bad email", "POST", "/workspace/invitations", map[string]any{"email": "nobody"}, 400, "validation_error", "email"},
		{"unknown responsible", "PATCH", "/chats/1000001", map[string]any{"responsible": "ghost@x.test"}, 400, "validation_error", "responsible"},
		{"unknown chat", "GET", "/chats/999", nil, 404, "not_found", ""},
		{"non-numeric chat", "GET", "/chats/abc", nil, 404, "not_found", ""},
		{"unknown message", "GET", "/messages/nope", nil, 404, "not_found", ""},
		{"unknown path", "GET", "/nope", nil, 404, "not_found", ""},
		{"trailing slash", "GET", "/chats/", nil, 404, "not_found", ""},
		{"oversized JSON", "POST", "/messages", `{"phone":"+4915112345678","text":"` + strings.Repeat("a", 1<<20) + `"}`, 413, "payload_too_large", ""},
		{"wrong method", "DELETE", "/chats", nil, 405, "method_not_allowed", ""},
		{"group jid", "POST", "/messages/to_jid", map[string]any{"jid": "123-456@g.us", "text": "x"}, 404, "not_found", ""},
		{"unknown chat name", "POST", "/messages/to_chat_name", map[string]any{"chat_name": "Nobody", "text": "x"}, 404, "not_found", ""},
	} {
		a := p.do(c.method, c.path, c.body)
		if a.status != c.status || a.str("status") != "error" || a.str("error_code") != c.code || a.str("message") == "" {
			t.Errorf("%s: got %d %.200s, want %d %s", c.name, a.status, a.raw, c.status, c.code)
			continue
		}
		if c.field != "" {
			errs, _ := a.body["errors"].([]any)
			if len(errs) != 1 || !slices.Contains(errs[0].(map[string]any)["fields"].([]any), any(c.field)) {
				t.Errorf("%s: errors %v do not name %q", c.name, a.body["errors"], c.field)
			}
		}
	}
	if a := p.do("DELETE", "/chats", nil); a.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", a.header.Get("Allow"))
	}
	// An upload over MaxFileSize.
	pubFail(t, p.upload("/files_upload", "big.bin", make([]byte, 2<<10), nil), 413, "payload_too_large")
	pubFail(t, p.do("POST", "/files_upload", "not multipart"), 400, "validation_error")
	pubFail(t, p.upload("/files_upload", "a.pdf", []byte("x"), map[string]string{"content_type": "pdf"}), 400, "validation_error")
	// Nothing above was charged except the first send.
	if used, _ := p.credits(); used != 1 {
		t.Fatalf("bad requests were charged: %d credits used", used)
	}
}

func TestPublicFaults(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "faults", "+31612345678")

	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Path: "/chats"})
	pubFail(t, p.do("GET", "/chats", nil), 503, "service_unavailable")
	ok(t, p.do("GET", "/chats", nil))

	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault429, RetryAfter: time.Second, Path: "/integrations/api/messages", Method: "POST"})
	a := p.do("POST", "/messages", map[string]any{"phone": "+4915112345678", "text": "x"})
	if a.status != 429 || a.str("status") != "error" || a.header.Get("Retry-After") != "1" {
		t.Fatalf("429 fault: %d %s %v", a.status, a.raw, a.header)
	}
	if used, _ := p.credits(); used != 0 {
		t.Fatal("a rate-limited send was charged")
	}
	// A fault without a path hits whichever API is called next.
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503})
	pubFail(t, p.do("GET", "/workspace", nil), 503, "service_unavailable")
	// A fault naming a Partner path does not hit the Public API.
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Path: "/workspaces"})
	ok(t, p.do("GET", "/workspace", nil))
	expectError(t, p.raw.do("GET", "/workspaces/"+p.id, nil), 503, "service_unavailable")
	if srv.PendingFaults() != 0 {
		t.Fatal("faults left over")
	}
}

// TestPublicUploadContentType: the content_type field is stored as given,
// even the generic octet-stream; the extension is only a fallback.
func TestPublicUploadContentType(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "content-type", "+31612345678")
	content := []byte("%PDF-1.7")
	for name, ct := range map[string]string{"scan.bin": "application/pdf", "notes.txt": "application/octet-stream"} {
		if f := okMap(t, p.upload("/files_upload", name, content, map[string]string{"content_type": ct})); f["mimetype"] != ct {
			t.Errorf("%s uploaded as %s: mimetype %v", name, ct, f["mimetype"])
		}
	}
	if f := okMap(t, p.upload("/files_upload", "notes.txt", content, nil)); !strings.HasPrefix(f["mimetype"].(string), "text/plain") {
		t.Errorf("notes.txt without content_type: mimetype %v", f["mimetype"])
	}
}

func TestPublicFiles(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "files", "+31612345678")
	content := []byte("hello, file")
	f := okMap(t, p.upload("/files_upload", "Report.TXT", content, map[string]string{"content_type": "text/plain"}))
	uid := f["uid"].(string)
	if f["filename"] != "Report.TXT" || f["size"] != float64(len(content)) || f["mimetype"] != "text/plain" ||
		!strings.HasSuffix(f["uploaded_by_email"].(string), "@partners.timelines.ai") {
		t.Fatalf("file: %v", f)
	}
	get := func(url string) (int, []byte) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	url := okMap(t, p.do("GET", "/files/"+uid, nil))["temporary_download_url"].(string)
	if code, b := get(url); code != 200 || string(b) != string(content) {
		t.Fatalf("download: %d %q", code, b)
	}
	srv.Advance(tlpartnertest.FileURLLifetime + time.Second)
	if code, _ := get(url); code != 403 {
		t.Fatalf("expired URL answered %d", code)
	}
	url = okMap(t, p.do("GET", "/files/"+uid, nil))["temporary_download_url"].(string)
	if code, _ := get(url); code != 200 {
		t.Fatalf("renewed URL answered %d", code)
	}
	// Upload by URL: the fake downloads loopback URLs only.
	byURL := okMap(t, p.do("POST", "/files", map[string]any{"download_url": url, "filename": "copy.txt"}))
	if byURL["size"] != float64(len(content)) || byURL["filename"] != "copy.txt" {
		t.Fatalf("upload by URL: %v", byURL)
	}
	pubFail(t, p.do("POST", "/files", map[string]any{"download_url": "https://drive.google.com/file/d/x"}), 400, "validation_error")
	pubFail(t, p.do("POST", "/files", map[string]any{"download_url": "https://example.com/a.png"}), 400, "validation_error")
	pubFail(t, p.do("POST", "/files", map[string]any{}), 400, "validation_error")

	list := okList(t, p.do("GET", "/files?filename=.txt", nil))
	if len(list) != 2 {
		t.Fatalf("filter .txt: %v", list)
	}
	if _, has := list[0].(map[string]any)["temporary_download_url"]; has {
		t.Fatal("list items carry a download URL")
	}
	if n := len(okList(t, p.do("GET", "/files?filename=REPORT", nil))); n != 1 {
		t.Fatalf("case-insensitive filter: %d", n)
	}
	// Send it, then delete it: the message keeps its attachment.
	msg := okMap(t, p.do("POST", "/messages", map[string]any{"phone": "+4915112345678", "file_uid": uid}))["message_uid"].(string)
	ok(t, p.do("DELETE", "/files/"+uid, nil))
	pubFail(t, p.do("GET", "/files/"+uid, nil), 404, "not_found")
	m := okMap(t, p.do("GET", "/messages/"+msg, nil))
	if m["has_attachment"] != true || m["attachment_filename"] != "Report.TXT" {
		t.Fatalf("message: %v", m)
	}
	if code, b := get(m["attachment_url"].(string)); code != 200 || string(b) != string(content) {
		t.Fatalf("attachment download: %d %q", code, b)
	}
	// Voice messages: audio only.
	chatID := m["chat_id"].(string)
	ok(t, p.upload("/chats/"+chatID+"/voice_message", "note.ogg", []byte("OggS"), nil))
	pubFail(t, p.upload("/chats/"+chatID+"/voice_message", "note.txt", []byte("text"), nil), 400, "validation_error")
}

func TestPublicTeammatesAndInvitations(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "team", "+31612345678")
	team := okMap(t, p.do("GET", "/workspace/teammates", nil))["teammates"].([]any)
	if len(team) != 2 {
		t.Fatalf("want owner and agent, got %v", team)
	}
	agent := team[1].(map[string]any)
	if agent["status"] != "active" || agent["role"] != "agent" || len(agent["whatsapp_accounts"].([]any)) != 1 {
		t.Fatalf("agent: %v", agent)
	}
	inv := okMap(t, p.do("POST", "/workspace/invitations", map[string]any{"email": "new@acme.test", "first_name": "New", "role": "ADMIN"}))
	if inv["status"] != "invited" || inv["role"] != "admin" || inv["team"] != "Default team" || inv["invitation_status"] != "Pending" {
		t.Fatalf("invitation: %v", inv)
	}
	pubFail(t, p.do("POST", "/workspace/invitations", map[string]any{"email": "NEW@acme.test"}), 409, "conflict")
	if n := len(okMap(t, p.do("GET", "/teammates", nil))["teammates"].([]any)); n != 3 {
		t.Fatalf("teammates after invite: %d", n)
	}
	id := fmt.Sprint(int64(inv["user_id"].(float64)))
	a := p.do("DELETE", "/workspace/invitations/"+id, nil)
	if a.status != 200 || a.str("status") != "ok" || a.str("message") != "Invitation revoked successfully" {
		t.Fatalf("revoke: %d %s", a.status, a.raw)
	}
	pubFail(t, p.do("DELETE", "/workspace/invitations/"+id, nil), 404, "not_found")
	pubFail(t, p.do("DELETE", "/workspace/invitations/"+fmt.Sprint(p.userID), nil), 400, "validation_error")
	accts := okMap(t, p.do("GET", "/whatsapp_accounts", nil))["whatsapp_accounts"].([]any)
	if len(accts) != 1 || accts[0].(map[string]any)["id"] != "31612345678@s.whatsapp.net" || accts[0].(map[string]any)["status"] != "Active" {
		t.Fatalf("accounts: %v", accts)
	}
	ws := okMap(t, p.do("GET", "/workspace", nil))
	if ws["workspace_id"] != p.id || ws["plan"] == "" || ws["seats"].(map[string]any)["used"] != float64(2) {
		t.Fatalf("workspace: %v", ws)
	}
	for _, path := range []string{"/workspace/quotas", "/quotas"} {
		q := okMap(t, p.do("GET", path, nil))
		if _, has := q["workspace_id"]; has || q["messaging_quota"] == nil {
			t.Fatalf("%s: %v", path, q)
		}
	}
	// API calls are counted.
	api := ws["api_calls_quota"].(map[string]any)
	if api["used"].(float64) < 5 {
		t.Fatalf("api calls used %v", api["used"])
	}
}

func TestPublicAPICallsQuota(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "calls", "")
	if err := srv.SetQuota(p.id, tlpartnertest.QuotaAPICalls, 2); err != nil {
		t.Fatal(err)
	}
	ok(t, p.do("GET", "/chats", nil))
	ok(t, p.do("GET", "/chats", nil))
	pubFail(t, p.do("GET", "/chats", nil), 402, "quota_exceeded")
}

func TestPublicLabelsNotesReactions(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "lnr", "+31612345678")
	rcv := newHookReceiver(t, nil)
	p.subscribe("message:reaction", rcv.URL)
	uid := okMap(t, p.do("POST", "/messages", map[string]any{"phone": "+4915112345678", "text": "hi", "label": "lead"}))["message_uid"].(string)
	chatID := okMap(t, p.do("GET", "/messages/"+uid, nil))["chat_id"].(string)
	labels := func(a answer) []any { return okMap(t, a)["labels"].([]any) }
	if got := labels(p.do("PUT", "/chats/"+chatID+"/labels", map[string]any{"labels": []string{"vip", "lead"}})); fmt.Sprint(got) != "[lead vip]" {
		t.Fatalf("add: %v", got)
	}
	if got := labels(p.do("POST", "/chats/"+chatID+"/labels", map[string]any{"labels": []string{"customer"}})); fmt.Sprint(got) != "[customer]" {
		t.Fatalf("replace: %v", got)
	}
	if got := labels(p.do("GET", "/chats/"+chatID+"/labels", nil)); len(got) != 1 || got[0].(map[string]any)["name"] != "customer" {
		t.Fatalf("list: %v", got)
	}
	note := okMap(t, p.do("POST", "/chats/"+chatID+"/notes", map[string]any{"text": "call back"}))["message_uid"].(string)
	if m := okMap(t, p.do("GET", "/messages/"+note, nil)); m["message_type"] != "note" || m["text"] != "call back" {
		t.Fatalf("note: %v", m)
	}
	pubFail(t, p.do("POST", "/chats/"+chatID+"/notes", map[string]any{}), 400, "validation_error")

	ok(t, p.do("PATCH", "/messages/"+uid+"/reactions", map[string]any{"reaction": "👍"}))
	if err := srv.SimulateReaction(p.id, uid, "+4915112345678", "👍"); err != nil {
		t.Fatal(err)
	}
	ok(t, p.do("PUT", "/messages/"+uid+"/reactions", map[string]any{"reaction": "\u2764\ufe0f"})) // PUT too (C1); replaces mine
	r := okMap(t, p.do("GET", "/messages/"+uid+"/reactions", nil))
	if r["total"] != float64(2) || r["reactions"].(map[string]any)["👍"] != float64(1) || r["reactions"].(map[string]any)["❤️"] != float64(1) {
		t.Fatalf("reactions: %v", r)
	}
	if m := okMap(t, p.do("GET", "/messages/"+uid, nil)); m["reactions"].(map[string]any)["👍"] != "1" {
		t.Fatalf("message reactions: %v", m["reactions"])
	}
	ok(t, p.do("PATCH", "/messages/"+uid+"/reactions", map[string]any{"reaction": ""}))
	ds := publicDeliveries(waitN(t, srv, 4))
	var actions []string
	for _, d := range ds {
		b := decode(t, d.Body)
		rr := b["reaction"].(map[string]any)
		actions = append(actions, rr["action"].(string)+" "+rr["emoji"].(string))
		if rr["message_uid"] != uid || b["event_type"] != "message:reaction" {
			t.Fatalf("reaction body %s", d.Body)
		}
	}
	if want := []string{"set 👍", "set 👍", "set ❤️", "clear "}; !slices.Equal(actions, want) {
		t.Fatalf("reaction events %q, want %q", actions, want)
	}
}

func TestPublicEventControls(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "events", "+31612345678")
	rcv := newHookReceiver(t, nil)
	// Ten subscriptions, the limit: chat:new fires for both directions.
	for _, ev := range []string{"chat:new", "chat:sent:created", "chat:responsible:assigned", "chat:unassigned",
		"whatsapp:account:connected", "whatsapp:account:disconnected", "whatsapp:account:suspended", "whatsapp:account:resumed",
		"call:incoming:missed", "call:outgoing:ended"} {
		p.subscribe(ev, rcv.URL)
	}
	in, err := srv.SimulateIncomingMessage(p.id, "+4915100000001", "hi") // chat:new
	if err != nil || !in.NewChat {
		t.Fatalf("incoming: %+v %v", in, err)
	}
	p.send("+4915100000002", "out") // chat:new + chat:outgoing:new (subscribed as chat:sent:created)
	owner := okMap(t, p.do("GET", "/workspace/teammates", nil))["teammates"].([]any)[0].(map[string]any)["email"].(string)
	agent := okMap(t, p.do("GET", "/workspace/teammates", nil))["teammates"].([]any)[1].(map[string]any)["email"].(string)
	if err := srv.SimulateChatAssignment(p.id, in.ChatID, owner); err != nil {
		t.Fatal(err)
	}
	ok(t, p.do("PATCH", fmt.Sprintf("/chats/%d", in.ChatID), map[string]any{"responsible": agent})) // reassigned through the API
	if err := srv.SimulateChatAssignment(p.id, in.ChatID, ""); err != nil {
		t.Fatal(err)
	}
	if err := srv.SimulateSyncSuspended(p.id, p.userID); err != nil {
		t.Fatal(err)
	}
	pubFail(t, p.do("POST", "/messages", map[string]any{"phone": "+4915100000001", "text": "x"}), 400, "whatsapp_account_suspended")
	if err := srv.SimulateSyncResumed(p.id, p.userID); err != nil {
		t.Fatal(err)
	}
	if err := srv.SimulateCall(p.id, "+4915100000001", tlpartnertest.CallIncomingMissed, time.Minute, false); err != nil {
		t.Fatal(err)
	}
	if err := srv.SimulateCall(p.id, "+4915100000001", tlpartnertest.CallOutgoingEnded, 90*time.Second, true); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, p.raw.do("POST", "/workspaces/"+p.id+"/users/"+itoa(p.userID)+"/whatsapp/disconnect", nil), 200)
	qr := p.raw.do("POST", "/workspaces/"+p.id+"/users/"+itoa(p.userID)+"/qr", nil)
	if _, err := srv.SimulateScan(qr.str("qr_link"), "+31612345678"); err != nil {
		t.Fatal(err)
	}

	want := []string{
		"chat:new", "chat:new", "chat:outgoing:new",
		"chat:responsible:assigned", "chat:responsible:assigned", "chat:responsible:unassigned",
		"whatsapp:account:suspended", "whatsapp:account:resumed",
		"call:incoming:missed", "call:outgoing:ended",
		"whatsapp:account:disconnected", "whatsapp:account:connected",
	}
	ds := publicDeliveries(waitN(t, srv, len(want)))
	var got []string
	for _, d := range ds {
		got = append(got, string(d.EventType))
		if b := decode(t, d.Body); b["event_type"] != string(d.EventType) {
			t.Errorf("body event_type %v, delivery %s", b["event_type"], d.EventType)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events\n got %q\nwant %q", got, want)
	}
	byType := func(i int) map[string]any { return decode(t, ds[i].Body) }
	reassigned := byType(4)["chat"].(map[string]any)
	if reassigned["responsible_email"] != agent || reassigned["previous_responsible_email"] != owner || reassigned["id"] != float64(in.ChatID) {
		t.Fatalf("reassigned: %v", reassigned)
	}
	if u := byType(5)["chat"].(map[string]any); u["responsible_email"] != nil || u["previous_responsible_email"] != agent {
		t.Fatalf("unassigned: %v", u)
	}
	call := byType(9)["call_details"].(map[string]any)
	if call["duration"] != float64(90) || call["direction"] != "outgoing" || call["is_video"] != true {
		t.Fatalf("call: %v", call)
	}
	acct := byType(10)["whatsapp_account"].(map[string]any)
	if acct["id"] != "31612345678@s.whatsapp.net" || acct["status"] != "Disconnected" || acct["disconnected_on"] == nil {
		t.Fatalf("disconnected: %v", acct)
	}
	if _, err := srv.SimulateIncomingMessage(p.id, "not a phone", "x"); err == nil {
		t.Fatal("SimulateIncomingMessage accepted a bad phone")
	}
	if err := srv.SimulateChatAssignment(p.id, in.ChatID, "ghost@x.test"); err == nil {
		t.Fatal("assigned to an unknown teammate")
	}
	if err := srv.SimulateReaction(p.id, "nope", "+4915100000001", "👍"); err == nil {
		t.Fatal("reacted to an unknown message")
	}
}

func TestPublicSentWebhookOnSend(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	p := newPubWS(t, srv, "sent-hook", "+31612345678")
	rcv := newHookReceiver(t, nil)
	p.subscribe("message:sent:new", rcv.URL)
	uid := p.send("+4915112345678", "first")     // sent at once
	second := p.send("+4915112345678", "second") // queued behind it
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ds, err := srv.WaitForDeliveries(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if m := decode(t, ds[0].Body)["message"].(map[string]any); m["message_uid"] != uid || m["direction"] != "sent" {
		t.Fatalf("sent event: %s", ds[0].Body)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(srv.Deliveries()); n != 1 {
		t.Fatalf("a queued message fired message:sent:new early (%d deliveries)", n)
	}
	srv.Advance(tlpartnertest.DefaultSendInterval)
	ds = waitN(t, srv, 2)
	if m := decode(t, ds[1].Body)["message"].(map[string]any); m["message_uid"] != second {
		t.Fatalf("second sent event: %s", ds[1].Body)
	}
}

func TestPublicControlEndpoints(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{ControlEndpoints: true})
	p := newPubWS(t, srv, "pubctl", "+31612345678")
	rcv := newHookReceiver(t, nil)
	p.subscribe("message:reaction", rcv.URL)

	st, m, raw := control(t, srv, "POST", "incoming-message", fmt.Sprintf(`{"workspace_id":%q,"phone":"+4915112345678","text":"hi"}`, p.id))
	if st != 200 || m["new_chat"] != true || m["message_uid"] == "" {
		t.Fatalf("incoming-message %d %s", st, raw)
	}
	uid, chatID := m["message_uid"].(string), int64(m["chat_id"].(float64))
	if st, _, raw := control(t, srv, "POST", "reaction", fmt.Sprintf(`{"workspace_id":%q,"message_uid":%q,"phone":"+4915112345678","emoji":"👍"}`, p.id, uid)); st != 200 {
		t.Fatalf("reaction %d %s", st, raw)
	}
	owner := okMap(t, p.do("GET", "/workspace/teammates", nil))["teammates"].([]any)[0].(map[string]any)["email"].(string)
	if st, _, raw := control(t, srv, "POST", "assign", fmt.Sprintf(`{"workspace_id":%q,"chat_id":%d,"email":%q}`, p.id, chatID, owner)); st != 200 {
		t.Fatalf("assign %d %s", st, raw)
	}
	if c := okMap(t, p.do("GET", fmt.Sprintf("/chats/%d", chatID), nil)); c["responsible_email"] != owner {
		t.Fatalf("chat: %v", c)
	}
	if st, _, raw := control(t, srv, "POST", "sync", fmt.Sprintf(`{"workspace_id":%q,"user_id":%d,"suspended":true}`, p.id, p.userID)); st != 200 {
		t.Fatalf("sync %d %s", st, raw)
	}
	pubFail(t, p.do("POST", fmt.Sprintf("/chats/%d/messages", chatID), map[string]any{"text": "x"}), 400, "whatsapp_account_suspended")
	if st, _, _ := control(t, srv, "POST", "fail-message", fmt.Sprintf(`{"workspace_id":%q,"message_uid":"nope"}`, p.id)); st != 400 {
		t.Fatalf("fail-message of an unknown message: %d", st)
	}
	waitN(t, srv, 1)
	st, _, raw = control(t, srv, "GET", "deliveries", "")
	if st != 200 || !strings.Contains(string(raw), `"public":true`) || !strings.Contains(string(raw), `"subscription_id"`) {
		t.Fatalf("deliveries %d %s", st, raw)
	}
}

// A message charged in one quota period and failing in the next is not
// refunded from the new period's credits, which it never used.
func TestPublicRefundStaysInItsPeriod(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{SendInterval: time.Hour})
	p := newPubWS(t, srv, "refund-period", "+31612345678")
	p.send("+4915112345678", "sent at once")
	queued := p.send("+4915112345678", "queued for an hour")
	if err := srv.SimulateSyncSuspended(p.id, p.userID); err != nil { // it stays Queued
		t.Fatal(err)
	}
	srv.Advance(32 * 24 * time.Hour) // the next quota period
	if err := srv.SetUsage(p.id, tlpartnertest.QuotaMessaging, 5); err != nil {
		t.Fatal(err)
	}
	if st, _ := srv.MessageStatus(p.id, queued); st != "Queued" {
		t.Fatalf("status %s, want Queued", st)
	}
	if err := srv.FailMessage(p.id, queued); err != nil {
		t.Fatal(err)
	}
	if used, _ := p.credits(); used != 5 {
		t.Fatalf("credits used %d this period, want 5 (last period's refund must not lower it)", used)
	}
}
