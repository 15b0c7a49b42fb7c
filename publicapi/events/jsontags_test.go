package events_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

// TestPayloadJSONTags: the payload structs marshal with the webhook's own
// field names (they marshalled as PascalCase before), so that their JSON
// decodes back through the package's decoder to the same value.
func TestPayloadJSONTags(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	contact := events.Contact{FullName: "Ann", Phone: "+15550001111"}
	chat := events.Chat{ID: 7, Name: "Ann", Phone: "+15550001111", JID: "15550001111@s.whatsapp.net", IsGroup: true, Closed: true, Read: true,
		Labels: []string{"vip"}, Unattended: true, ChatGPTAutoresponseEnabled: true, WhatsAppAccountID: "15550002222@s.whatsapp.net",
		ChatURL: "https://x.test/c/7", CreatedAt: at, LastMessageUID: "m-0", LastMessageAt: at, ResponsibleName: "Bob",
		ResponsibleEmail: "bob@example.com", PreviousResponsibleName: "Cy", PreviousResponsibleEmail: "cy@example.com"}
	info := events.AccountInfo{FullName: "Sales", Email: "s@example.com", Phone: "+15550002222", WID: "15550002222@s.whatsapp.net"}
	account := events.WhatsAppAccount{ID: "15550002222@s.whatsapp.net", Phone: "+15550002222", ConnectedAt: at, DisconnectedAt: at.Add(time.Hour),
		Status: "Active", AccountName: "Sales", OwnerName: "Bob", OwnerEmail: "bob@example.com"}
	for _, v := range []any{
		&events.MessagePayload{Chat: chat, WhatsAppAccount: info, Message: events.Message{UID: "m-1", Text: "hi", Direction: "received", Origin: "WhatsApp",
			Timestamp: at, Sender: contact, Recipient: events.Contact{FullName: "Sales", Phone: "+15550002222"}, ReplyToUID: "m-0",
			Attachments: []events.Attachment{{TemporaryDownloadURL: "https://x.test/a", Filename: "a.pdf", Size: 12, MIMEType: "application/pdf"}}}},
		&events.ChatPayload{Chat: chat, WhatsAppAccount: info},
		&events.AccountPayload{WhatsAppAccount: account},
		&events.CallPayload{Chat: chat, WhatsAppAccount: info, Call: events.Call{Duration: 30, Direction: "incoming", IsVideo: true, Status: "ended",
			Timestamp: at, MessageUID: "m-2", Caller: contact, Recipient: events.Contact{Phone: "+15550002222"}}},
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		back := reflect.New(reflect.TypeOf(v).Elem()).Interface()
		if err := json.Unmarshal(b, back); err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		if !reflect.DeepEqual(v, back) {
			t.Errorf("%T: round trip through %s\n got %+v\nwant %+v", v, b, back, v)
		}
	}
}
