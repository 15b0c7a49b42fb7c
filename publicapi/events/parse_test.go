package events_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(s string) time.Time {
	v, err := time.Parse("2006-01-02 15:04:05 -0700", s)
	if err != nil {
		panic(err)
	}
	return v
}

// The values of the fixtures, which restate the fact sheet's examples.
var (
	shortChat = events.Chat{
		ID: 123456, Name: "Agent Smith", Phone: "+123456789",
		ChatURL:         "https://app.timelines.ai/chat/123456/messages/",
		ResponsibleName: "Agent Brown", ResponsibleEmail: "agent-brown@example.com",
	}
	agentAccount = events.AccountInfo{FullName: "Agent Brown", Email: "agent-brown@example.com", Phone: "+123456789"}
	docMessage   = events.Message{
		UID:        "c7ec509d-0171-1ead-a84b-c6943a644768",
		Text:       "Sending some example document to you",
		Direction:  events.DirectionSent,
		Origin:     "Public API",
		Timestamp:  at("2024-01-08 10:35:18 +0200"),
		Sender:     events.Contact{FullName: "John Smith", Phone: "+123456789"},
		Recipient:  events.Contact{FullName: "John Smith", Phone: "+123456789"},
		ReplyToUID: "c7ec509d-0171-1ead-a84b-c6943a644768",
		Attachments: []events.Attachment{{
			TemporaryDownloadURL: "https://example.s3.amazonaws.com/att/example.doc",
			Filename:             "example.doc", Size: 1234567, MIMEType: "application/msword",
		}},
	}
	docPayload = events.MessagePayload{Chat: shortChat, WhatsAppAccount: agentAccount, Message: docMessage}
	fullChat   = events.Chat{
		ID: 123456, Name: "John Doe", Phone: "+14155551234", JID: "14155551234@s.whatsapp.net",
		Read: true, Labels: []string{"vip"}, WhatsAppAccountID: "15559876543@s.whatsapp.net",
		ChatURL:         "https://app.timelines.ai/chat/123456/messages/",
		CreatedAt:       at("2024-01-08 10:35:18 +0200"),
		LastMessageUID:  "de919486-0c93-409d-ae66-c2bbb544faca",
		LastMessageAt:   at("2024-01-29 13:55:04 +0200"),
		ResponsibleName: "Kate Smith", ResponsibleEmail: "kate.smith@acme.com",
	}
	kateAccount = events.AccountInfo{FullName: "Kate Smith", Email: "kate.smith@acme.com", Phone: "+15559876543"}
	chatPayload = events.ChatPayload{Chat: fullChat, WhatsAppAccount: kateAccount}
	salesLine   = events.WhatsAppAccount{
		ID: "15559876543@s.whatsapp.net", Phone: "+15559876543", ConnectedAt: at("2024-01-08 10:35:18 +0200"),
		Status: "Active", AccountName: "Sales line", OwnerName: "Kate Smith", OwnerEmail: "kate.smith@acme.com",
	}
	incomingCall = events.Call{
		Duration: 125, Direction: events.CallIncoming, Status: "ended", Timestamp: at("2024-01-08 11:00:00 +0200"),
		MessageUID: "5e0b1d9c-2f7a-4b38-9a61-0f6d2c8e4a10",
		Caller:     events.Contact{FullName: "John Smith", Phone: "+123456789"},
		Recipient:  events.Contact{FullName: "Agent Brown", Phone: "+123456789"},
	}
)

func with[T any](v T, mod func(*T)) T {
	mod(&v)
	return v
}

func parseCases() []struct {
	fixture string
	want    events.Event
} {
	return []struct {
		fixture string
		want    events.Event
	}{
		{"message_new.json", &events.MessageNew{MessagePayload: docPayload}},
		{"message_sent_new.json", &events.MessageSent{MessagePayload: docPayload}},
		{"message_received_new.json", &events.MessageReceived{MessagePayload: events.MessagePayload{
			Chat:            shortChat,
			WhatsAppAccount: with(agentAccount, func(a *events.AccountInfo) { a.WID = "123456789@s.whatsapp.net" }),
			Message: with(docMessage, func(m *events.Message) {
				m.UID, m.Text, m.Direction, m.Origin = "0b9f7f8e-5a43-4c1e-9f57-3c9d2f0a7b11", "Thanks, got it", events.DirectionReceived, "WhatsApp"
				m.Recipient.FullName, m.ReplyToUID, m.Attachments = "Agent Brown", "", nil
			}),
		}}},
		// C6: the incoming-message page's example says message:new; the
		// event_type decides.
		{"message_received_page_example.json", &events.MessageNew{MessagePayload: docPayload}},
		{"message_sent_rest_spelling.json", &events.MessageSent{MessagePayload: events.MessagePayload{
			Chat:            events.Chat{ID: 123456, Name: "Agent Smith", Phone: "+123456789"},
			WhatsAppAccount: agentAccount,
			Message: events.Message{
				UID: "c7ec509d-0171-1ead-a84b-c6943a644768", Text: "Hi", Direction: events.DirectionSent,
				Timestamp:   time.Date(2024, 1, 8, 8, 35, 18, 0, time.UTC),
				Attachments: []events.Attachment{{Filename: "a.png", Size: 10000, MIMEType: "image/png"}},
			},
		}}},
		{"message_reaction.json", &events.MessageReaction{Chat: shortChat, WhatsAppAccount: agentAccount, Reaction: events.Reaction{
			MessageUID: "c7ec509d-0171-1ead-a84b-c6943a644768", Action: events.ReactionSet, Emoji: "👍",
			Timestamp: at("2024-01-08 10:40:00 +0200"),
			Reactor:   events.Contact{FullName: "John Smith", Phone: "+123456789"},
			Reactions: map[string]int{"👍": 1, "❤️": 2},
		}}},
		{"chat_new.json", &events.ChatNew{ChatPayload: chatPayload}},
		{"chat_incoming_new.json", &events.ChatIncoming{ChatPayload: chatPayload}},
		{"chat_outgoing_new.json", &events.ChatOutgoing{ChatPayload: chatPayload}},
		{"chat_responsible_assigned.json", &events.ChatAssigned{ChatPayload: events.ChatPayload{
			Chat: with(fullChat, func(c *events.Chat) {
				c.PreviousResponsibleName, c.PreviousResponsibleEmail = "Agent Brown", "agent-brown@example.com"
			}),
			WhatsAppAccount: kateAccount,
		}}},
		{"chat_responsible_unassigned.json", &events.ChatUnassigned{ChatPayload: events.ChatPayload{
			Chat: with(fullChat, func(c *events.Chat) {
				c.ResponsibleName, c.ResponsibleEmail = "", ""
				c.PreviousResponsibleName, c.PreviousResponsibleEmail = "Kate Smith", "kate.smith@acme.com"
			}),
			WhatsAppAccount: kateAccount,
		}}},
		// The overview's name, REST keys and labels as objects.
		{"chat_created_rest_spelling.json", &events.ChatNew{ChatPayload: events.ChatPayload{
			Chat:            with(fullChat, func(c *events.Chat) { c.Unattended = true }),
			WhatsAppAccount: kateAccount,
		}}},
		{"whatsapp_account_connected.json", &events.WhatsAppAccountConnected{AccountPayload: events.AccountPayload{WhatsAppAccount: salesLine}}},
		{"whatsapp_account_disconnected.json", &events.WhatsAppAccountDisconnected{AccountPayload: events.AccountPayload{
			WhatsAppAccount: with(salesLine, func(a *events.WhatsAppAccount) {
				a.Status, a.DisconnectedAt = "Disconnected", at("2024-02-01 09:00:00 +0200")
			}),
		}}},
		{"whatsapp_account_suspended.json", &events.WhatsAppAccountSuspended{AccountPayload: events.AccountPayload{
			WhatsAppAccount: with(salesLine, func(a *events.WhatsAppAccount) { a.Status = "Suspended" }),
		}}},
		{"whatsapp_account_resumed.json", &events.WhatsAppAccountResumed{AccountPayload: events.AccountPayload{WhatsAppAccount: salesLine}}},
		{"call_incoming_ended.json", &events.CallIncomingEnded{CallPayload: events.CallPayload{Chat: shortChat, WhatsAppAccount: agentAccount, Call: incomingCall}}},
		{"call_outgoing_ended.json", &events.CallOutgoingEnded{CallPayload: events.CallPayload{Chat: shortChat, WhatsAppAccount: agentAccount,
			Call: with(incomingCall, func(c *events.Call) {
				c.Direction, c.IsVideo, c.MessageUID = events.CallOutgoing, true, "8c1e6f0a-3d2b-4e59-b7a4-1f2e3d4c5b6a"
				c.Caller, c.Recipient = c.Recipient, c.Caller
			})}}},
		{"call_incoming_missed.json", &events.CallIncomingMissed{CallPayload: events.CallPayload{Chat: shortChat, WhatsAppAccount: agentAccount,
			Call: with(incomingCall, func(c *events.Call) {
				c.Duration, c.Status, c.MessageUID = 0, "missed", "2a7d9c4e-6b1f-4c3a-8e5d-9f0b1a2c3d4e"
			})}}},
	}
}

// sameInstants compares events with time.Time fields by instant.
func equalEvents(a, b events.Event) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb) && reflect.TypeOf(a) == reflect.TypeOf(b)
}

func TestParseFixtures(t *testing.T) {
	t.Parallel()
	for _, tc := range parseCases() {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			got, err := events.Parse(readFixture(t, tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(tc.want, "", " ")
				t.Fatalf("got %T\n%s\nwant %T\n%s\n(%#v)", got, g, tc.want, w, got)
			}
			if !got.Type().Known() || got.Type() != got.Type().Canonical() {
				t.Errorf("Type %q is not a canonical known type", got.Type())
			}
		})
	}
}

func TestParseCoversEveryType(t *testing.T) {
	t.Parallel()
	all := []events.EventType{
		events.EventMessageNew, events.EventMessageSent, events.EventMessageReceived, events.EventMessageReaction,
		events.EventChatNew, events.EventChatIncoming, events.EventChatOutgoing, events.EventChatAssigned, events.EventChatUnassigned,
		events.EventWhatsAppAccountConnected, events.EventWhatsAppAccountDisconnected,
		events.EventWhatsAppAccountSuspended, events.EventWhatsAppAccountResumed,
		events.EventCallIncomingEnded, events.EventCallOutgoingEnded, events.EventCallIncomingMissed,
	}
	seen := map[events.EventType]bool{}
	for _, tc := range parseCases() {
		seen[tc.want.Type()] = true
	}
	for _, typ := range all {
		if !seen[typ] {
			t.Errorf("no fixture for %s", typ)
		}
		if !typ.Known() {
			t.Errorf("%s not Known", typ)
		}
	}
}

// Both names of every chat event decode to the same type and value.
func TestParseBothNameFamilies(t *testing.T) {
	t.Parallel()
	pairs := []struct {
		reference, overview events.EventType
		fixture             string
	}{
		{events.EventChatNew, "chat:created", "chat_new.json"},
		{events.EventChatIncoming, "chat:received:created", "chat_incoming_new.json"},
		{events.EventChatOutgoing, "chat:sent:created", "chat_outgoing_new.json"},
		{events.EventChatAssigned, "chat:assigned", "chat_responsible_assigned.json"},
		{events.EventChatUnassigned, "chat:unassigned", "chat_responsible_unassigned.json"},
	}
	for _, p := range pairs {
		if p.overview.Canonical() != p.reference || !p.overview.Known() {
			t.Errorf("%s: Canonical %q Known %v", p.overview, p.overview.Canonical(), p.overview.Known())
		}
		body := readFixture(t, p.fixture)
		ref, err := events.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		aliased := bytes.Replace(body, []byte(`"`+string(p.reference)+`"`), []byte(`"`+string(p.overview)+`"`), 1)
		if bytes.Equal(aliased, body) {
			t.Fatalf("%s: fixture lacks its event_type", p.fixture)
		}
		ov, err := events.Parse(aliased)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ref, ov) || ov.Type() != p.reference {
			t.Errorf("%s: %T %q vs %T %q", p.overview, ov, ov.Type(), ref, ref.Type())
		}
		if ov.DedupKey() != ref.DedupKey() {
			t.Errorf("%s: the two names give different DedupKeys", p.overview)
		}
	}
	if events.EventType("message:new").Canonical() != events.EventMessageNew || events.EventType("waba:x").Known() {
		t.Error("Canonical/Known of other types")
	}
}

func TestParseUnknown(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "unknown_waba_message_received.json")
	e, err := events.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := e.(*events.UnknownEvent)
	if !ok {
		t.Fatalf("got %T", e)
	}
	if u.Type() != "waba:message:received" || !bytes.Equal(u.Raw, bytes.TrimSpace(body)) {
		t.Errorf("unknown event %q raw %s", u.Type(), u.Raw)
	}
	// The raw body survives encoding and decoding.
	b, err := json.Marshal(u)
	var compact bytes.Buffer
	_ = json.Compact(&compact, u.Raw)
	if err != nil || !bytes.Equal(b, compact.Bytes()) {
		t.Errorf("MarshalJSON = %s, %v", b, err)
	}
	var back events.UnknownEvent
	if err := json.Unmarshal(body, &back); err != nil || !reflect.DeepEqual(&back, u) {
		t.Errorf("UnmarshalJSON = %+v, %v", back, err)
	}
	if b, _ := json.Marshal(events.UnknownEvent{EventType: "x:y"}); string(b) != `{"event_type":"x:y"}` {
		t.Errorf("MarshalJSON without Raw = %s", b)
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"empty.json":               "empty body",
		"not_object.json":          "not a JSON object",
		"invalid_json.json":        "invalid JSON",
		"no_event_type.json":       "missing event_type",
		"event_type_number.json":   "event_type is not a string",
		"event_type_empty.json":    "empty event_type",
		"chat_id_not_numeric.json": `field "chat.chat_id" is not an integer`,
		"bad_timestamp.json":       `field "message.timestamp" is not a date-time`,
		"chat_is_string.json":      `field "chat" is not of type`,
		"is_group_string.json":     `field "chat.is_group" is not of type bool`,
	}
	for name, want := range tests {
		body := readFixture(t, filepath.Join("malformed", name))
		e, err := events.Parse(body)
		if !errors.Is(err, events.ErrMalformedBody) || e != nil {
			t.Errorf("%s: %v, %v", name, e, err)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q lacks %q", name, err, want)
		}
		if strings.Contains(err.Error(), "secret-value") {
			t.Errorf("%s: error echoes the value: %q", name, err)
		}
	}
}

// Every event encodes to the wire form that Parse reads back.
func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range parseCases() {
		b, err := json.Marshal(tc.want)
		if err != nil {
			t.Fatalf("%s: %v", tc.fixture, err)
		}
		back, err := events.Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", tc.fixture, err)
		}
		if !equalEvents(back, tc.want) || back.DedupKey() != tc.want.DedupKey() {
			t.Errorf("%s: round trip\n%s\ngave %#v", tc.fixture, b, back)
		}
		// json.Unmarshal into the concrete type agrees with Parse.
		fresh := reflect.New(reflect.TypeOf(tc.want).Elem()).Interface()
		if err := json.Unmarshal(readFixture(t, tc.fixture), fresh); err != nil {
			t.Fatalf("%s: Unmarshal: %v", tc.fixture, err)
		}
		if !reflect.DeepEqual(fresh, tc.want) {
			t.Errorf("%s: json.Unmarshal gave %#v", tc.fixture, fresh)
		}
	}
	// Times are written in the Public API's form.
	b, _ := json.Marshal(events.MessageSent{MessagePayload: docPayload})
	if !bytes.Contains(b, []byte(`"timestamp":"2024-01-08 10:35:18 +0200"`)) || !bytes.Contains(b, []byte(`"event_type":"message:sent:new"`)) ||
		!bytes.Contains(b, []byte(`"message_uid":"c7ec509d`)) || !bytes.Contains(b, []byte(`"chat_id":123456`)) {
		t.Errorf("wire form: %s", b)
	}
	b, _ = json.Marshal(events.ChatAssigned{ChatPayload: chatPayload})
	if !bytes.Contains(b, []byte(`"id":123456`)) || !bytes.Contains(b, []byte(`"last_message_uuid":`)) || !bytes.Contains(b, []byte(`"event_type":"chat:responsible:assigned"`)) {
		t.Errorf("chat wire form: %s", b)
	}
}

// One ErrMalformedBody for the receivers of both APIs: errors.Is with
// either package's value matches the other's errors (two distinct values
// before).
func TestMalformedBodyIsShared(t *testing.T) {
	if events.ErrMalformedBody != webhooks.ErrMalformedBody {
		t.Fatal("events.ErrMalformedBody and webhooks.ErrMalformedBody differ")
	}
	_, err := events.Parse([]byte(`{"event_type":`))
	if !errors.Is(err, webhooks.ErrMalformedBody) || !strings.HasPrefix(err.Error(), "events: malformed body: ") {
		t.Errorf("events.Parse: %v", err)
	}
	_, err = webhooks.Parse([]byte(`[]`))
	if !errors.Is(err, events.ErrMalformedBody) || !strings.HasPrefix(err.Error(), "webhooks: malformed body: ") {
		t.Errorf("webhooks.Parse: %v", err)
	}
}
