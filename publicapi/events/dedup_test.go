package events_test

import (
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

func key(t *testing.T, body string) string {
	t.Helper()
	e, err := events.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return e.DedupKey()
}

func TestDedupKeyFormat(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^([a-z:_]+)\|([0-9a-f]{32})$`)
	for _, tc := range parseCases() {
		k := tc.want.DedupKey()
		m := re.FindStringSubmatch(k)
		if m == nil || m[1] != string(tc.want.Type()) {
			t.Errorf("%s: key %q", tc.fixture, k)
		}
		if _, err := hex.DecodeString(m[2]); err != nil {
			t.Error(err)
		}
		for _, pii := range []string{"+1", "Smith", "@"} {
			if strings.Contains(k, pii) {
				t.Errorf("%s: key %q holds %q", tc.fixture, k, pii)
			}
		}
	}
}

func TestDedupKeySameEvent(t *testing.T) {
	t.Parallel()
	pairs := []struct{ name, a, b string }{
		{"message: other download URL, text and spacing",
			`{"event_type":"message:sent:new","message":{"message_uid":"u1","text":"a","attachments":[{"temporary_download_url":"https://s3/1"}]}}`,
			`{ "message" : {"uid":"u1","text":"b","attachments":[{"temporary_download_url":"https://s3/2"}]}, "event_type":"message:sent:new"}`},
		{"reaction: same instant in two notations",
			`{"event_type":"message:reaction","reaction":{"message_uid":"u1","action":"set","emoji":"x","timestamp":"2024-01-08 10:40:00 +0200","reactor":{"phone":"+1"}}}`,
			`{"event_type":"message:reaction","reaction":{"message_uid":"u1","action":"set","emoji":"x","timestamp":"2024-01-08T08:40:00Z","reactor":{"phone":"+1"},"reactions":{"x":3}}}`},
		{"chat:new by ID, number or string",
			`{"event_type":"chat:new","chat":{"id":42,"read":false}}`,
			`{"event_type":"chat:created","chat":{"id":"42","read":true}}`},
		{"assignment: key order and spelling",
			`{"event_type":"chat:responsible:assigned","chat":{"id":42,"responsible_email":"a@x","last_message_uuid":"m"}}`,
			`{"chat":{"last_message_uid":"m","responsible_email":"a@x","id":42},"event_type":"chat:assigned"}`},
		{"account: unknown fields ignored",
			`{"event_type":"whatsapp:account:disconnected","whatsapp_account":{"id":"w","disconnected_on":"2024-02-01 09:00:00 +0200"}}`,
			`{"event_type":"whatsapp:account:disconnected","whatsapp_account":{"id":"w","disconnected_on":"2024-02-01 09:00:00 +0200","extra":1},"x":2}`},
		{"call by its chat entry",
			`{"event_type":"call:incoming:missed","call_details":{"message_uid":"c1","duration":0}}`,
			`{"event_type":"call:incoming:missed","call_details":{"message_uid":"c1","duration":"0","status":"missed"}}`},
		{"unknown: canonical body",
			`{"event_type":"waba:x","a":1,"b":"\u00e9"}`,
			`{ "b":"é", "a":1, "event_type":"waba:x" }`},
	}
	for _, p := range pairs {
		if ka, kb := key(t, p.a), key(t, p.b); ka != kb {
			t.Errorf("%s: %s != %s", p.name, ka, kb)
		}
	}
}

func TestDedupKeyDifferentEvents(t *testing.T) {
	t.Parallel()
	pairs := []struct{ name, a, b string }{
		{"message UID", `{"event_type":"message:new","message":{"message_uid":"u1"}}`, `{"event_type":"message:new","message":{"message_uid":"u2"}}`},
		{"message event type", `{"event_type":"message:new","message":{"message_uid":"u1"}}`, `{"event_type":"message:sent:new","message":{"message_uid":"u1"}}`},
		{"message without UID: content",
			`{"event_type":"message:new","message":{"text":"a"}}`, `{"event_type":"message:new","message":{"text":"b"}}`},
		{"reaction set then cleared",
			`{"event_type":"message:reaction","reaction":{"message_uid":"u1","action":"set","emoji":"x","timestamp":"2024-01-08T08:40:00Z"}}`,
			`{"event_type":"message:reaction","reaction":{"message_uid":"u1","action":"clear","emoji":"x","timestamp":"2024-01-08T08:40:00Z"}}`},
		{"reaction later", `{"event_type":"message:reaction","reaction":{"message_uid":"u1","action":"set","timestamp":"2024-01-08T08:40:00Z"}}`,
			`{"event_type":"message:reaction","reaction":{"message_uid":"u1","action":"set","timestamp":"2024-01-08T08:40:01Z"}}`},
		{"chat ID", `{"event_type":"chat:new","chat":{"id":1}}`, `{"event_type":"chat:new","chat":{"id":2}}`},
		{"chat new vs incoming", `{"event_type":"chat:new","chat":{"id":1}}`, `{"event_type":"chat:incoming:new","chat":{"id":1}}`},
		{"assignment to someone else",
			`{"event_type":"chat:responsible:assigned","chat":{"id":1,"responsible_email":"a@x"}}`,
			`{"event_type":"chat:responsible:assigned","chat":{"id":1,"responsible_email":"b@x"}}`},
		{"account disconnected twice",
			`{"event_type":"whatsapp:account:disconnected","whatsapp_account":{"id":"w","disconnected_on":"2024-02-01 09:00:00 +0200"}}`,
			`{"event_type":"whatsapp:account:disconnected","whatsapp_account":{"id":"w","disconnected_on":"2024-02-02 09:00:00 +0200"}}`},
		{"call", `{"event_type":"call:incoming:ended","call_details":{"message_uid":"c1"}}`, `{"event_type":"call:incoming:ended","call_details":{"message_uid":"c2"}}`},
		{"unknown body", `{"event_type":"waba:x","a":1}`, `{"event_type":"waba:x","a":2}`},
	}
	for _, p := range pairs {
		if ka, kb := key(t, p.a), key(t, p.b); ka == kb {
			t.Errorf("%s: same key %s", p.name, ka)
		}
	}
}

// A key computed from a struct built in Go equals the key of its delivery.
func TestDedupKeyOfConstructedEvent(t *testing.T) {
	t.Parallel()
	e := &events.WhatsAppAccountSuspended{AccountPayload: events.AccountPayload{WhatsAppAccount: events.WhatsAppAccount{
		ID: "w", Status: "Suspended", ConnectedAt: time.Date(2024, 1, 8, 8, 35, 18, 0, time.UTC),
	}}}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if got := key(t, string(b)); got != e.DedupKey() {
		t.Errorf("%s != %s (%s)", got, e.DedupKey(), b)
	}
}
