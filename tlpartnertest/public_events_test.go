package tlpartnertest_test

import (
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// TestPublicDeliveriesParseAsEvents checks that every Public API webhook
// the fake sends decodes with the SDK's own parser into its typed event,
// with the fields the fake put in.
func TestPublicDeliveriesParseAsEvents(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	rcv := newHookReceiver(t, nil)
	a := newPubWS(t, srv, "parse-a", "+31611111111")
	b := newPubWS(t, srv, "parse-b", "+31622222222")
	for _, ev := range []events.EventType{events.EventMessageNew, events.EventMessageSent, events.EventMessageReceived,
		events.EventMessageReaction, events.EventChatNew, events.EventChatIncoming, events.EventChatOutgoing,
		events.EventChatAssigned, events.EventChatUnassigned, events.EventCallIncomingEnded} {
		a.subscribe(string(ev), rcv.URL)
	}
	for _, ev := range []events.EventType{events.EventWhatsAppAccountConnected, events.EventWhatsAppAccountDisconnected,
		events.EventWhatsAppAccountSuspended, events.EventWhatsAppAccountResumed, events.EventCallIncomingMissed, events.EventCallOutgoingEnded} {
		b.subscribe(string(ev), rcv.URL)
	}

	in, err := srv.SimulateIncomingMessage(a.id, "+4915100000001", "incoming text")
	if err != nil {
		t.Fatal(err)
	}
	file := okMap(t, a.upload("/files_upload", "doc.pdf", []byte("%PDF-1.4 fake"), nil))["uid"].(string)
	sent := okMap(t, a.do("POST", "/messages", map[string]any{"phone": "+4915100000002", "text": "outgoing", "file_uid": file}))["message_uid"].(string)
	if err := srv.SimulateReaction(a.id, in.MessageUID, "+4915100000001", "👍"); err != nil {
		t.Fatal(err)
	}
	owner := okMap(t, a.do("GET", "/workspace/teammates", nil))["teammates"].([]any)[0].(map[string]any)["email"].(string)
	if err := srv.SimulateChatAssignment(a.id, in.ChatID, owner); err != nil {
		t.Fatal(err)
	}
	if err := srv.SimulateChatAssignment(a.id, in.ChatID, ""); err != nil {
		t.Fatal(err)
	}
	if err := srv.SimulateCall(a.id, "+4915100000001", tlpartnertest.CallIncomingEnded, 42*time.Second, false); err != nil {
		t.Fatal(err)
	}
	if err := srv.SimulateSyncSuspended(b.id, b.userID); err != nil {
		t.Fatal(err)
	}
	if err := srv.SimulateSyncResumed(b.id, b.userID); err != nil {
		t.Fatal(err)
	}
	if err := srv.SimulateCall(b.id, "+4915100000003", tlpartnertest.CallIncomingMissed, 0, false); err != nil {
		t.Fatal(err)
	}
	if err := srv.SimulateCall(b.id, "+4915100000003", tlpartnertest.CallOutgoingEnded, time.Minute, true); err != nil {
		t.Fatal(err)
	}
	if err := srv.SimulatePhoneDisconnect(b.id, b.userID, ""); err != nil {
		t.Fatal(err)
	}
	qr := b.raw.do("POST", "/workspaces/"+b.id+"/users/"+itoa(b.userID)+"/qr", nil)
	if _, err := srv.SimulateScan(qr.str("qr_link"), "+31622222222"); err != nil {
		t.Fatal(err)
	}

	// message:new ×2, sent, received, reaction, chat:new ×2, incoming, outgoing,
	// assigned, unassigned, call ×3, suspended, resumed, disconnected, connected.
	const total = 18
	ds := publicDeliveries(waitN(t, srv, total))
	seen := map[events.EventType]int{}
	for _, d := range ds {
		e, err := events.Parse(d.Body)
		if err != nil {
			t.Fatalf("Parse(%s): %v", d.Body, err)
		}
		if _, unknown := e.(*events.UnknownEvent); unknown || string(e.Type()) != string(d.EventType) {
			t.Fatalf("delivery %s parsed as %T %s", d.EventType, e, e.Type())
		}
		seen[e.Type()]++
		switch e := e.(type) {
		case *events.MessageReceived:
			if e.Message.UID != in.MessageUID || e.Chat.ID != in.ChatID || e.Message.Text != "incoming text" ||
				e.Message.Direction != events.DirectionReceived || e.Message.Sender.Phone != "+4915100000001" ||
				e.WhatsAppAccount.Phone != "+31611111111" || e.Message.Timestamp.IsZero() {
				t.Errorf("MessageReceived: %+v", e)
			}
		case *events.MessageSent:
			if e.Message.UID != sent || e.Message.Direction != events.DirectionSent || len(e.Message.Attachments) != 1 ||
				e.Message.Attachments[0].Filename != "doc.pdf" || e.Message.Attachments[0].MIMEType != "application/pdf" {
				t.Errorf("MessageSent: %+v", e)
			}
		case *events.MessageReaction:
			if e.Reaction.MessageUID != in.MessageUID || e.Reaction.Emoji != "👍" || e.Reaction.Action != events.ReactionSet ||
				e.Reaction.Reactions["👍"] != 1 || e.Reaction.Reactor.Phone != "+4915100000001" {
				t.Errorf("MessageReaction: %+v", e)
			}
		case *events.ChatIncoming:
			if e.Chat.ID != in.ChatID || e.Chat.Phone != "+4915100000001" || e.Chat.WhatsAppAccountID != "31611111111@s.whatsapp.net" || e.Chat.CreatedAt.IsZero() {
				t.Errorf("ChatIncoming: %+v", e)
			}
		case *events.ChatAssigned:
			if e.Chat.ID != in.ChatID || e.Chat.ResponsibleEmail != owner || e.Chat.PreviousResponsibleEmail != "" {
				t.Errorf("ChatAssigned: %+v", e)
			}
		case *events.ChatUnassigned:
			if e.Chat.ResponsibleEmail != "" || e.Chat.PreviousResponsibleEmail != owner {
				t.Errorf("ChatUnassigned: %+v", e)
			}
		case *events.CallIncomingEnded:
			if e.Call.Duration != 42 || e.Call.Direction != events.CallIncoming || e.Call.Caller.Phone != "+4915100000001" {
				t.Errorf("CallIncomingEnded: %+v", e)
			}
		case *events.CallOutgoingEnded:
			if e.Call.Duration != 60 || !e.Call.IsVideo || e.Call.Recipient.Phone != "+4915100000003" {
				t.Errorf("CallOutgoingEnded: %+v", e)
			}
		case *events.WhatsAppAccountDisconnected:
			if e.WhatsAppAccount.ID != "31622222222@s.whatsapp.net" || e.WhatsAppAccount.DisconnectedAt.IsZero() || e.WhatsAppAccount.Status != "Disconnected" {
				t.Errorf("WhatsAppAccountDisconnected: %+v", e)
			}
		case *events.WhatsAppAccountSuspended:
			if e.WhatsAppAccount.Status != "Suspended" || e.WhatsAppAccount.ConnectedAt.IsZero() {
				t.Errorf("WhatsAppAccountSuspended: %+v", e)
			}
		}
	}
	if len(seen) != 16 {
		t.Fatalf("saw %d of the 16 event types: %v", len(seen), seen)
	}
	if seen[events.EventMessageNew] != 2 || seen[events.EventChatNew] != 2 {
		t.Fatalf("message:new or chat:new did not fire for both directions: %v", seen)
	}
}
