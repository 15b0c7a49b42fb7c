package publicapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "publicapi", name))
	require.NoError(t, err)
	return b
}

// testDec returns a conversion accumulator that fails the test if a
// conversion reported an error.
func testDec(t testing.TB) *dec {
	d := &dec{}
	t.Cleanup(func() {
		if d.err != nil {
			t.Errorf("conversion error: %v", d.err)
		}
	})
	return d
}

func flexTime(t testing.TB, s string) time.Time {
	d := testDec(t)
	return d.time("t", s)
}

func tm(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return v
}

func TestDecodeChatReferenceForm(t *testing.T) {
	t.Parallel()
	j, err := decodeData[chatJSON](fixture(t, "chat.json"))
	require.NoError(t, err)
	got := j.chat(testDec(t))
	assert.Equal(t, Chat{
		ID:                         1000001, // "1000001" in the example
		Name:                       "John Doe",
		JID:                        "14840000000@s.whatsapp.net",
		Phone:                      "+972501111111",
		Read:                       true,
		ChatGPTAutoresponseEnabled: true,
		IsAllowedToMessage:         true,
		Labels:                     []string{"label1", "label2", "label3"},
		WhatsAppAccountID:          "972502222222@s.whatsapp.net",
		ChatURL:                    "https://app.timelines.ai/chat/1000001/messages/",
		Photo:                      "https://acme.com/logo.png",
		ResponsibleEmail:           "kate.smitch@acme.com",
		ResponsibleName:            "Kate Smith",
		CreatedAt:                  tm(t, "2024-01-08T10:35:18+02:00"),
		LastMessageUID:             "4f43a9a0-b87e-4667-adfd-689674c3326c",
		LastMessageAt:              tm(t, "2024-01-29T13:55:04+02:00"),
		GroupMembers:               []GroupMember{{Name: "John Doe", Phone: "+972502222222", Role: "admin", ChatID: 123456}},
	}, got)
	assert.True(t, got.CreatedAt.Equal(tm(t, "2024-01-08T08:35:18Z")))
}

func TestDecodeChatGuideForm(t *testing.T) {
	t.Parallel()
	j, err := decodeData[chatJSON](fixture(t, "chat_guide_variant.json"))
	require.NoError(t, err)
	assert.Equal(t, Chat{
		ID:               123456,
		Name:             "Acme Support",
		JID:              "120363000000000000@g.us",
		IsGroup:          true,
		Closed:           true,
		Labels:           []string{"vip", "inbound-lead"},
		ResponsibleEmail: "agent@acme.com",
		CreatedAt:        tm(t, "2024-01-08T08:35:18Z"),
		LastMessageAt:    tm(t, "2024-01-29T11:55:04.5Z"),
		GroupMembers:     []GroupMember{{Name: "Ann", Phone: "+14155550100", Role: "member", ChatID: 654321}},
	}, j.chat(testDec(t)))
}

func TestDecodeResponsibleNameOnly(t *testing.T) {
	t.Parallel()
	j, err := decodeData[chatJSON]([]byte(`{"status":"ok","data":{"id":1,"responsible":"Kate Smith"}}`))
	require.NoError(t, err)
	c := j.chat(testDec(t))
	assert.Equal(t, "Kate Smith", c.ResponsibleName)
	assert.Empty(t, c.ResponsibleEmail)
}

var wantMessage = Message{
	UID:                "de919486-0c93-409d-ae66-c2bbb544faca",
	ChatID:             1000001,
	SenderPhone:        "+972540000001",
	SenderName:         "John Doe",
	RecipientPhone:     "+972540000002",
	RecipientName:      "Kate Smith",
	FromMe:             true,
	Status:             "Read",
	Origin:             "Public API",
	HasAttachment:      true,
	MessageType:        "Note",
	Data:               map[string]string{"key1": "value1", "key2": "value2"},
	CreatedBy:          "Kate Smith",
	Text:               "Hello, Kate👍",
	AttachmentURL:      "https://acme.com/logo.png",
	AttachmentFilename: "logo.png",
}

func TestDecodeMessageStringCounts(t *testing.T) {
	t.Parallel()
	j, err := decodeData[messageJSON](fixture(t, "message.json"))
	require.NoError(t, err)
	want := wantMessage
	want.Timestamp = tm(t, "2023-06-18T15:19:23+03:00")
	want.Reactions = ReactionsMap{Counts: map[string]int{"👍": 2, "❤️": 5}, Total: 7}
	assert.Equal(t, want, j.message(testDec(t)))
}

var wantReactions = ReactionsMap{
	Users: []Reaction{
		{Name: "John Doe", Phone: "+972540000001", Emoji: "👍", Current: true},
		{Name: "Kate Smith", Phone: "+972540000002", Emoji: "👍"},
	},
	Counts: map[string]int{"👍": 2},
	Total:  2,
}

func TestDecodeMessageReactionsObject(t *testing.T) {
	t.Parallel()
	j, err := decodeData[messageJSON](fixture(t, "message_reactions_object.json"))
	require.NoError(t, err)
	want := wantMessage
	want.Timestamp = tm(t, "2023-06-18T12:19:23Z")
	want.MessageType = "whatsapp"
	want.Reactions = wantReactions
	got := j.message(testDec(t))
	assert.Equal(t, want, got)
}

func TestDecodeReactions(t *testing.T) {
	t.Parallel()
	j, err := decodeData[reactionsJSON](fixture(t, "reactions.json"))
	require.NoError(t, err)
	assert.Equal(t, wantReactions, ReactionsMap(*j))

	// An object with only users (no counts) is the object form, too.
	j, err = decodeData[reactionsJSON]([]byte(`{"status":"ok","data":{"users":[]}}`))
	require.NoError(t, err)
	assert.Equal(t, ReactionsMap{}, ReactionsMap(*j))
	// A null reactions field leaves the zero value.
	m, err := decodeData[messageJSON]([]byte(`{"status":"ok","data":{"uid":"u","reactions":null}}`))
	require.NoError(t, err)
	assert.Equal(t, ReactionsMap{}, m.message(testDec(t)).Reactions)
	// A non-numeric count is an error, not a silent 0.
	_, err = decodeData[messageJSON]([]byte(`{"status":"ok","data":{"reactions":{"👍":"many"}}}`))
	assert.Error(t, err)
}

func TestDecodeStatusHistoryBothTimestampForms(t *testing.T) {
	t.Parallel()
	items, err := decodeList[statusHistoryJSON](fixture(t, "status_history.json"), "")
	require.NoError(t, err)
	require.Len(t, items, 3)
	assert.Equal(t, "Queued", items[0].Status)
	assert.True(t, flexTime(t, items[0].Timestamp).Equal(tm(t, "2023-06-18T12:19:20Z")))
	assert.True(t, flexTime(t, items[1].Timestamp).Equal(tm(t, "2023-06-18T12:19:21Z")))
}

func TestDecodeFiles(t *testing.T) {
	t.Parallel()
	j, err := decodeData[fileJSON](fixture(t, "file.json"))
	require.NoError(t, err)
	want := File{
		UID:                  "90d353e6-44c1-48ff-b15b-69b7721e5450",
		Filename:             "somefile.png",
		Size:                 10000,
		MIMEType:             "image/png",
		TemporaryDownloadURL: "http://acme.com/somefile.png",
		UploadedByEmail:      "john.doe@acme.com",
		UploadedAt:           tm(t, "2023-06-18T15:19:23+03:00"),
	}
	assert.Equal(t, want, j.file(testDec(t)))

	j, err = decodeData[fileJSON](fixture(t, "file_guide_variant.json"))
	require.NoError(t, err)
	assert.Equal(t, File{UID: want.UID, Filename: want.Filename, Size: 10000, MIMEType: "image/png"}, j.file(testDec(t)))

	list, err := decodeList[fileJSON](fixture(t, "files.json"), "files")
	require.NoError(t, err)
	require.Len(t, list, 2)
	want.TemporaryDownloadURL = ""
	assert.Equal(t, want, list[0].file(testDec(t)))
	assert.Equal(t, int64(204800), list[1].file(testDec(t)).Size)
}

func TestDecodeWebhooks(t *testing.T) {
	t.Parallel()
	j, err := decodeData[webhookJSON](fixture(t, "webhook.json"))
	require.NoError(t, err)
	assert.Equal(t, Webhook{ID: 789456, EventType: "message:sent:new", URL: "http://www.example.com/api/hook", Enabled: true}, j.webhook(testDec(t)))
	list, err := decodeList[webhookJSON](fixture(t, "webhooks.json"), "webhooks")
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, Webhook{ID: 789457, EventType: "message:received:new", URL: "https://hooks.example.com/in", ErrorsCounter: 3}, list[1].webhook(testDec(t)))
	// The same list wrapped in an object decodes too.
	list, err = decodeList[webhookJSON]([]byte(`{"status":"ok","data":{"webhooks":[{"id":1}]}}`), "webhooks")
	require.NoError(t, err)
	assert.Equal(t, int64(1), list[0].webhook(testDec(t)).ID)
}

var wantAccount = WhatsAppAccount{
	ID:          "972501111111@s.whatsapp.net",
	Phone:       "+972540000001",
	ConnectedAt: time.Date(2023, 6, 18, 14, 19, 23, 0, time.UTC),
	Status:      "Active",
	OwnerName:   "John Doe",
	OwnerEmail:  "john.doe@acme.com",
	AccountName: "John Doe",
}

func TestDecodeAccountsAndTeammates(t *testing.T) {
	t.Parallel()
	accs, err := decodeList[whatsAppAccountJSON](fixture(t, "whatsapp_accounts.json"), "whatsapp_accounts")
	require.NoError(t, err)
	require.Len(t, accs, 1)
	got := accs[0].account(testDec(t))
	assert.True(t, got.ConnectedAt.Equal(wantAccount.ConnectedAt))
	got.ConnectedAt = wantAccount.ConnectedAt
	want := wantAccount
	want.IsVisible = true
	assert.Equal(t, want, got)

	tms, err := decodeList[teammateJSON](fixture(t, "teammates.json"), "teammates")
	require.NoError(t, err)
	require.Len(t, tms, 1)
	tmate := tms[0].teammate(testDec(t))
	require.Len(t, tmate.WhatsAppAccounts, 1)
	assert.Equal(t, "John Doe", tmate.WhatsAppAccounts[0].AccountName)
	tmate.WhatsAppAccounts = nil
	assert.Equal(t, Teammate{UserID: 42, DisplayName: "John Doe", Email: "admin@timelines.ai", Status: "active",
		CreatedAt: tm(t, "2026-02-22T00:00:00+01:00"), Role: "owner"}, tmate)

	inv, err := decodeData[teammateJSON](fixture(t, "invitation.json"))
	require.NoError(t, err)
	assert.Equal(t, Teammate{UserID: 43, DisplayName: "Jane Roe", Email: "jane@acme.com", Status: "Active", Role: "agent",
		Team: "Default", InvitationStatus: "Expired", CreatedAt: tm(t, "2026-02-22T00:00:00+01:00")}, inv.teammate(testDec(t)))
}

func TestDecodeWorkspace(t *testing.T) {
	t.Parallel()
	j, err := decodeData[workspaceJSON](fixture(t, "workspace.json"))
	require.NoError(t, err)
	ts := func(s string) time.Time { return tm(t, s) }
	assert.Equal(t, Workspace{
		ID: "acme-inc", DisplayName: "Acme Inc.", Plan: "Business",
		MessagesQuota:     Quota{Total: 10, Used: 7, PeriodStart: ts("2025-02-22T00:00:00+01:00"), PeriodEnd: ts("2025-02-22T00:00:00+01:00")},
		APICallsQuota:     Quota{Total: 200000, Used: 1234, PeriodStart: ts("2025-02-01T00:00:00+01:00"), PeriodEnd: ts("2025-03-01T00:00:00+01:00")},
		Seats:             Quota{Total: 5, Used: 3, PeriodStart: ts("2025-02-22T00:00:00+01:00"), PeriodEnd: ts("2025-03-22T00:00:00+01:00")},
		NonRecurringQuota: NonRecurringQuota{RemainingBalance: 50, LastUpdatedAt: ts("2025-02-22T00:00:00+01:00")},
	}, j.workspace(testDec(t)))

	// The quotas-only variant, with the Partner API's messages_quota key.
	j, err = decodeData[workspaceJSON](fixture(t, "quotas.json"))
	require.NoError(t, err)
	w := j.workspace(testDec(t))
	assert.Empty(t, w.ID)
	assert.Equal(t, 10, w.MessagesQuota.Total)
	assert.Equal(t, 7, w.MessagesQuota.Used)
	assert.Equal(t, 50, w.NonRecurringQuota.RemainingBalance)
}

func TestDecodeLabelsBothForms(t *testing.T) {
	t.Parallel()
	j, err := decodeData[labelsData](fixture(t, "labels.json"))
	require.NoError(t, err)
	assert.Equal(t, []string{"label1", "label2", "label3"}, []string(j.Labels))
	j, err = decodeData[labelsData](fixture(t, "labels_objects.json"))
	require.NoError(t, err)
	assert.Equal(t, []string{"inbound-lead", "vip"}, []string(j.Labels))
}

func TestDecodeRejectsEmptyResults(t *testing.T) {
	t.Parallel()
	for _, body := range []string{``, ` `, `null`, `{"status":"ok"}`, `{"status":"ok","data":null}`} {
		_, err := decodeData[chatJSON]([]byte(body))
		assert.ErrorIs(t, err, errNoData, "body %q", body)
	}
	_, err := decodeData[chatJSON]([]byte(`{"status":"ok","data":{"id":"abc"}}`))
	assert.Error(t, err, "a non-numeric chat id is an error")
	list, err := decodeList[fileJSON]([]byte(`{"status":"ok","data":[]}`), "files")
	require.NoError(t, err)
	assert.NotNil(t, list)
	assert.Empty(t, list)
}

// FuzzPlainStrings: whenever the labels fast path accepts an input, it
// decodes exactly what encoding/json decodes.
func FuzzPlainStrings(f *testing.F) {
	for _, s := range []string{
		`[]`, ` [ ] `, `["a"]`, `["label1","label2","label3"]`, "[ \"a\" ,\n\t\"b\" ]", `["vip 👍"]`, `[""]`,
		`["a\"b"]`, `["a\\b"]`, `["\u00e9"]`, `[{"name":"x"}]`, `["a",]`, `[,"a"]`, `["a" "b"]`, `[1]`, `null`, `["a"`, "[\"\xff\"]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := plainStrings([]byte(in))
		if !ok {
			return
		}
		var want []string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json refuses it: %v", in, err)
		}
		if want == nil || len(got) != len(want) {
			t.Fatalf("%q: fast path %q, encoding/json %q", in, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%q: fast path %q, encoding/json %q", in, got, want)
			}
		}
	})
}

func TestPlainStringsDefersToEncodingJSON(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		`["label1","label2"]`:   {"label1", "label2"},
		" [ \"a\" ,\n \"b\" ] ": {"a", "b"},
		`[]`:                    {},
	} {
		got, ok := plainStrings([]byte(in))
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{`["a\"b"]`, `["\u00e9"]`, `[{"name":"x"}]`, `["a",]`, `[1]`, `null`, "[\"\xff\"]"} {
		_, ok := plainStrings([]byte(in))
		assert.False(t, ok, in)
	}
	// The slow path still decodes what the fast path leaves.
	var l labelList
	require.NoError(t, json.Unmarshal([]byte(`["caf\u00e9",{"name":"vip"}]`), &l))
	assert.Equal(t, labelList{"café", "vip"}, l)
}
