package publicapi

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

// TestJSONTagsEverywhere: every exported field of every exported data type
// of the package has a json tag (the API's field name), as in package
// tlpartner; marshalling gave PascalCase keys before.
func TestJSONTagsEverywhere(t *testing.T) {
	if n := testutil.CheckJSONTags(t, ".", "Client"); n < 20 {
		t.Errorf("checked only %d types", n)
	}
}

// TestJSONTagsRoundTrip: a result marshalled with its json tags decodes
// through the package's own tolerant decoder to the same value, so the tags
// are the names the API uses.
func TestJSONTagsRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	account := WhatsAppAccount{ID: "15550001111@s.whatsapp.net", Phone: "+15550001111", AccountName: "Sales", OwnerName: "Ann", OwnerEmail: "ann@example.com", Status: "Active", ConnectedAt: at, IsVisible: true}
	quota := Quota{Total: 10, Used: 3, PeriodStart: at, PeriodEnd: at.Add(time.Hour)}
	check := func(name string, in any, decode func([]byte) (any, error)) {
		t.Helper()
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := decode(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("%s: round trip through %s\n got %+v\nwant %+v", name, b, out, in)
		}
	}
	via := func(mirror any, conv func(*dec) any) func([]byte) (any, error) {
		return func(b []byte) (any, error) {
			if err := json.Unmarshal(b, mirror); err != nil {
				return nil, err
			}
			var d dec
			v := conv(&d)
			return v, d.err
		}
	}
	var cj chatJSON
	check("Chat", Chat{ID: 7, Name: "Ann", JID: "15550001111@s.whatsapp.net", Phone: "+15550001111", IsGroup: true, Closed: true, Read: true, Unattended: true,
		ChatGPTAutoresponseEnabled: true, IsAllowedToMessage: true, Labels: []string{"vip"}, WhatsAppAccountID: "15550002222@s.whatsapp.net", ChatURL: "https://x.test/c/7",
		Photo: "https://x.test/p.png", ResponsibleEmail: "bob@example.com", ResponsibleName: "Bob", CreatedAt: at, LastMessageUID: "m-1", LastMessageAt: at,
		GroupMembers: []GroupMember{{Name: "Cy", Phone: "+15550003333", Role: "admin", ChatID: 9}}},
		via(&cj, func(d *dec) any { return cj.chat(d) }))
	var mj messageJSON
	check("Message", Message{UID: "m-1", ChatID: 7, Timestamp: at, SenderPhone: "+1", SenderName: "Ann", RecipientPhone: "+2", RecipientName: "Bob", FromMe: true,
		Status: "Read", Origin: "Public API", MessageType: "whatsapp", Text: "hi", HasAttachment: true, AttachmentURL: "https://x.test/a", AttachmentFilename: "a.pdf",
		CreatedBy: "bob@example.com", Data: map[string]string{"k": "v"},
		Reactions: ReactionsMap{Users: []Reaction{{Name: "Ann", Phone: "+1", Emoji: "👍", Current: true}}, Counts: map[string]int{"👍": 1}, Total: 1}},
		via(&mj, func(d *dec) any { return mj.message(d) }))
	var fj fileJSON
	check("File", File{UID: "f-1", Filename: "a.pdf", Size: 12, MIMEType: "application/pdf", TemporaryDownloadURL: "https://x.test/d", UploadedByEmail: "ann@example.com", UploadedAt: at},
		via(&fj, func(d *dec) any { return fj.file(d) }))
	var wj webhookJSON
	check("Webhook", Webhook{ID: 3, EventType: "message:received:new", URL: "https://x.test/h", Enabled: true, ErrorsCounter: 2},
		via(&wj, func(d *dec) any { return wj.webhook(d) }))
	var aj whatsAppAccountJSON
	check("WhatsAppAccount", account, via(&aj, func(d *dec) any { return aj.account(d) }))
	var tj teammateJSON
	check("Teammate", Teammate{UserID: 5, DisplayName: "Ann", Email: "ann@example.com", Role: "admin", Status: "active", Team: "Sales", InvitationStatus: "Expired", CreatedAt: at,
		WhatsAppAccounts: []WhatsAppAccount{account}},
		via(&tj, func(d *dec) any { return tj.teammate(d) }))
	var sj workspaceJSON
	check("Workspace", Workspace{ID: "ws-1", DisplayName: "Acme", Plan: "pro", MessagesQuota: quota, APICallsQuota: quota, Seats: quota,
		NonRecurringQuota: NonRecurringQuota{RemainingBalance: 4, LastUpdatedAt: at}},
		via(&sj, func(d *dec) any { return sj.workspace(d) }))
	var hj statusHistoryJSON
	check("StatusHistoryItem", StatusHistoryItem{Status: "Read", Timestamp: at},
		via(&hj, func(d *dec) any {
			return StatusHistoryItem{Status: hj.Status, Timestamp: d.time("timestamp", hj.Timestamp)}
		}))
}

// TestQuotaRemaining: the same helper as tlpartner.Quota.Remaining.
func TestQuotaRemaining(t *testing.T) {
	for _, tc := range []struct {
		q    Quota
		want int
	}{{Quota{Total: 10, Used: 3}, 7}, {Quota{Total: 5, Used: 9}, 0}, {Quota{}, 0}} {
		if got := tc.q.Remaining(); got != tc.want {
			t.Errorf("%+v.Remaining() = %d, want %d", tc.q, got, tc.want)
		}
	}
}
