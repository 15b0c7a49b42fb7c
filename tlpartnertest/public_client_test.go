package tlpartnertest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// connectedWorkspace creates a workspace on the fake with a connected
// WhatsApp account (phone) and returns the partner client and workspace ID.
func connectedWorkspace(t *testing.T, srv *tlpartnertest.Server, name, phone string) (*tlpartner.Client, string) {
	t.Helper()
	ctx := t.Context()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: name, SeatsPurchased: 2})
	if err != nil {
		t.Fatal(err)
	}
	qr, err := c.GenerateQR(ctx, ws.ID, ws.OwnerUserID, tlpartner.GenerateQRParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.SimulateScan(qr.URL, phone); err != nil {
		t.Fatal(err)
	}
	return c, ws.ID
}

// TestPublicClientIncomingMessageEndToEnd drives the fake through the SDK's
// own Public API client and receives the webhooks with the SDK's own
// events.Handler: subscribe, a simulated reply, the typed event, the chat
// read back.
func TestPublicClientIncomingMessageEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := newFake(t, tlpartnertest.Options{})
	partner, wsID := connectedWorkspace(t, srv, "e2e", "+31612345678")
	pc, err := partner.PublicAPI(ctx, wsID)
	if err != nil {
		t.Fatal(err)
	}

	token, err := events.GenerateToken()
	if err != nil {
		t.Fatal(err)
	}
	h, err := events.NewHandler(events.WithPathToken(token))
	if err != nil {
		t.Fatal(err)
	}
	received := make(chan *events.MessageReceived, 1)
	sent := make(chan *events.MessageSent, 1)
	h.OnMessageReceived(func(_ context.Context, e *events.MessageReceived) error { received <- e; return nil })
	h.OnMessageSent(func(_ context.Context, e *events.MessageSent) error { sent <- e; return nil })
	mux := http.NewServeMux()
	mux.Handle("POST /events/{token}", h)
	rcv := httptest.NewServer(mux)
	t.Cleanup(rcv.Close)
	for _, ev := range []string{"message:received:new", "message:sent:new"} {
		if _, err := pc.CreateWebhook(ctx, publicapi.CreateWebhookParams{EventType: ev, URL: rcv.URL + "/events/" + token}); err != nil {
			t.Fatal(err)
		}
	}

	uid, err := pc.SendToPhone(ctx, "+4915112345678", publicapi.SendParams{Text: publicapi.Ptr("Hello from the SDK")})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-sent:
		if e.Message.UID != uid || e.Message.Text != "Hello from the SDK" {
			t.Fatalf("sent event %+v", e.Message)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message:sent:new")
	}

	in, err := srv.SimulateIncomingMessage(wsID, "+4915112345678", "Hello back")
	if err != nil {
		t.Fatal(err)
	}
	var e *events.MessageReceived
	select {
	case e = <-received:
	case <-time.After(5 * time.Second):
		t.Fatal("no message:received:new")
	}
	if e.Message.UID != in.MessageUID || e.Chat.ID != in.ChatID || e.Message.Text != "Hello back" || e.Message.Sender.Phone != "+4915112345678" {
		t.Fatalf("received event %+v / %+v", e.Chat, e.Message)
	}
	// Read back what the event names, as the events package advises.
	m, err := pc.GetMessage(ctx, e.Message.UID)
	if err != nil || m.FromMe || m.Text != "Hello back" || m.ChatID != in.ChatID {
		t.Fatalf("GetMessage: %+v %v", m, err)
	}
	var texts []string
	for msg, err := range pc.ListChatMessages(ctx, e.Chat.ID, publicapi.ListChatMessagesParams{SortOrder: publicapi.Ptr(publicapi.SortAscending)}) {
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, msg.Text)
	}
	if fmt.Sprint(texts) != "[Hello from the SDK Hello back]" {
		t.Fatalf("chat messages %q", texts)
	}
	// A forged delivery without the URL token is refused by the handler.
	resp, err := http.Post(rcv.URL+"/events/wrong-token-wrong-token", "application/json", strings.NewReader(`{"event_type":"message:received:new"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("forged delivery: %d", resp.StatusCode)
	}
}

// TestPublicClientAgainstFake runs every endpoint of the publicapi client
// against the fake once: the fake's answers must decode, and the fake's
// errors must classify.
func TestPublicClientAgainstFake(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := newFake(t, tlpartnertest.Options{})
	partner, wsID := connectedWorkspace(t, srv, "every-endpoint", "+31612345678")
	pc, err := partner.PublicAPI(ctx, wsID)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f, err := pc.UploadFile(ctx, "hello.txt", strings.NewReader("hello"), publicapi.UploadFileParams{})
	must(err)
	if f.Size != 5 || f.TemporaryDownloadURL == "" {
		t.Fatalf("upload: %+v", f)
	}
	uid, err := pc.SendToPhone(ctx, "+4915112345678", publicapi.SendParams{Text: publicapi.Ptr("hi"), FileUID: publicapi.Ptr(f.UID), Label: publicapi.Ptr("lead")})
	must(err)
	m, err := pc.GetMessage(ctx, uid)
	must(err)
	chatID := m.ChatID
	_, err = pc.SendToJID(ctx, "4915112345678@s.whatsapp.net", publicapi.SendParams{Text: publicapi.Ptr("jid"), ReplyTo: publicapi.Ptr(uid)})
	must(err)
	_, err = pc.SendToChat(ctx, chatID, publicapi.SendParams{Text: publicapi.Ptr("chat")})
	must(err)
	_, err = pc.SendVoiceMessage(ctx, chatID, "v.ogg", bytes.NewReader([]byte("OggS")))
	must(err)
	_, err = pc.AddNote(ctx, chatID, publicapi.NoteParams{Text: "note"})
	must(err)
	hist, err := pc.GetMessageStatusHistory(ctx, uid)
	must(err)
	if len(hist) == 0 || hist[0].Status != "Queued" || hist[0].Timestamp.IsZero() {
		t.Fatalf("history %+v", hist)
	}
	must(pc.SetReaction(ctx, uid, "👍"))
	r, err := pc.GetReactions(ctx, uid)
	must(err)
	if r.Total != 1 || r.Counts["👍"] != 1 {
		t.Fatalf("reactions %+v", r)
	}
	chat, err := pc.GetChat(ctx, chatID)
	must(err)
	if chat.ID != chatID || chat.Phone != "+4915112345678" || chat.CreatedAt.IsZero() {
		t.Fatalf("chat %+v", chat)
	}
	upd, err := pc.UpdateChat(ctx, chatID, publicapi.UpdateChatParams{Closed: publicapi.Ptr(true)})
	must(err)
	if !upd.Closed {
		t.Fatalf("update %+v", upd)
	}
	n := 0
	for c, err := range pc.ListChats(ctx, publicapi.ListChatsParams{Closed: publicapi.Ptr(true)}) {
		must(err)
		if c.ID != chatID {
			t.Fatalf("listed %+v", c)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d chats", n)
	}
	labels, err := pc.AddLabels(ctx, chatID, []string{"vip"})
	must(err)
	if fmt.Sprint(labels) != "[lead vip]" {
		t.Fatalf("labels %v", labels)
	}
	labels, err = pc.ListLabels(ctx, chatID)
	must(err)
	if fmt.Sprint(labels) != "[lead vip]" {
		t.Fatalf("list labels %v", labels)
	}
	_, err = pc.ReplaceLabels(ctx, chatID, []string{"customer"})
	must(err)
	files, err := pc.ListFiles(ctx, publicapi.ListFilesParams{})
	must(err)
	if len(files) != 1 {
		t.Fatalf("files %+v", files)
	}
	byURL, err := pc.UploadFileFromURL(ctx, f.TemporaryDownloadURL, publicapi.UploadFromURLParams{})
	must(err)
	if byURL.Size != 5 {
		t.Fatalf("by URL %+v", byURL)
	}
	must(pc.DeleteFile(ctx, byURL.UID))
	if _, err := pc.GetFile(ctx, byURL.UID); !errors.Is(err, publicapi.ErrNotFound) {
		t.Fatalf("deleted file: %v", err)
	}
	accts, err := pc.ListWhatsAppAccounts(ctx)
	must(err)
	if len(accts) != 1 || accts[0].Phone != "+31612345678" {
		t.Fatalf("accounts %+v", accts)
	}
	ws, err := pc.GetWorkspace(ctx)
	must(err)
	if ws.ID != wsID || ws.MessagesQuota.Used != 5 { // 2 + 1 + 1 + 1 (voice)
		t.Fatalf("workspace %+v", ws)
	}
	team, err := pc.ListTeammates(ctx)
	must(err)
	if len(team) != 1 {
		t.Fatalf("team %+v", team)
	}
	inv, err := pc.InviteTeammate(ctx, publicapi.InviteTeammateParams{Email: "new@acme.test"})
	must(err)
	must(pc.RevokeInvitation(ctx, inv.UserID))
	wh, err := pc.CreateWebhook(ctx, publicapi.CreateWebhookParams{EventType: "message:new", URL: "https://example.test/h"})
	must(err)
	_, err = pc.UpdateWebhook(ctx, wh.ID, publicapi.UpdateWebhookParams{Enabled: publicapi.Ptr(false)})
	must(err)
	got, err := pc.GetWebhook(ctx, wh.ID)
	must(err)
	if got.Enabled {
		t.Fatalf("webhook %+v", got)
	}
	list, err := pc.ListWebhooks(ctx)
	must(err)
	if len(list) != 1 {
		t.Fatalf("webhooks %+v", list)
	}
	must(pc.DeleteWebhook(ctx, wh.ID))

	// Errors of the fake classify in the client.
	must(srv.SetQuota(wsID, tlpartnertest.QuotaMessaging, 5))
	if _, err := pc.SendToChat(ctx, chatID, publicapi.SendParams{Text: publicapi.Ptr("over")}); !errors.Is(err, publicapi.ErrQuotaExceeded) {
		t.Fatalf("over quota: %v", err)
	}
	if _, err := pc.GetChat(ctx, 999); !errors.Is(err, publicapi.ErrNotFound) {
		t.Fatalf("unknown chat: %v", err)
	}
	_, other := connectedWorkspace(t, srv, "other", "+31622222222")
	opc, err := partner.PublicAPI(ctx, other)
	must(err)
	if _, err := opc.GetChat(ctx, chatID); !errors.Is(err, publicapi.ErrForbidden) {
		t.Fatalf("other workspace's chat: %v", err)
	}
	// Token rotation: the partner-made client refreshes its token.
	if _, err := partner.RotatePublicAPIToken(ctx, wsID); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.GetWorkspace(ctx); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Path: "/chats"})
	if _, err := pc.GetChat(ctx, chatID); err != nil {
		t.Fatalf("a 503 on a read is retried: %v", err)
	}
}
