package publicapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// endpointCase is one endpoint call against a canned answer: the request
// the client must send and the value it must return.
type endpointCase struct {
	name   string
	answer string // fixture file, or a literal JSON body when it starts with '{'
	call   func(ctx context.Context, c *Client) (any, error)
	method string
	path   string // escaped, relative to the base URL's path
	query  string
	body   string // exact JSON body; "" for none
	want   any
}

func answerBody(t *testing.T, a string) string {
	if strings.HasPrefix(a, "{") || a == "" {
		return a
	}
	return string(fixture(t, a))
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	ts := func(s string) time.Time { return tm(t, s) }
	msg := wantMessage
	msg.Timestamp = ts("2023-06-18T15:19:23+03:00")
	msg.Reactions = ReactionsMap{Counts: map[string]int{"👍": 2, "❤️": 5}, Total: 7}
	file := File{
		UID: "90d353e6-44c1-48ff-b15b-69b7721e5450", Filename: "somefile.png", Size: 10000, MIMEType: "image/png",
		TemporaryDownloadURL: "http://acme.com/somefile.png", UploadedByEmail: "john.doe@acme.com",
		UploadedAt: ts("2023-06-18T15:19:23+03:00"),
	}
	listed := file
	listed.TemporaryDownloadURL = ""
	hook := Webhook{ID: 789456, EventType: "message:sent:new", URL: "http://www.example.com/api/hook", Enabled: true}
	chatFixture, err := decodeData[chatJSON](fixture(t, "chat.json"))
	require.NoError(t, err)
	chat := chatFixture.chat(testDec(t))
	const uid = "1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11"
	account := wantAccount
	account.IsVisible = true
	account.ConnectedAt = ts("2023-06-18T15:19:23+01:00")

	cases := []endpointCase{
		{
			name: "SendToPhone", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendToPhone(ctx, "+14840000000", SendParams{
					Text: Ptr("hello, world!"), FileUID: Ptr("afa9d4dd-978d-4a14-aa1b-bd65c272e645"), Label: Ptr("customer"),
					AttachmentTemplateID: Ptr(int64(123456)), WhatsAppAccountPhone: Ptr("+972502222222"),
				})
			},
			method: "POST", path: "/messages",
			body: `{"attachment_template_id":123456,"file_uid":"afa9d4dd-978d-4a14-aa1b-bd65c272e645","label":"customer","phone":"+14840000000","text":"hello, world!","whatsapp_account_phone":"+972502222222"}`,
			want: uid,
		},
		{
			name: "SendToJID", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendToJID(ctx, "120363012345678901@g.us", SendParams{Text: Ptr("Hi team\nline 2 👋")})
			},
			method: "POST", path: "/messages/to_jid",
			body: `{"jid":"120363012345678901@g.us","text":"Hi team\nline 2 👋"}`,
			want: uid,
		},
		{
			name: "SendToChat", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendToChat(ctx, 1000001, SendParams{FileUID: Ptr("f-1"), ReplyTo: Ptr("m-9")})
			},
			method: "POST", path: "/chats/1000001/messages",
			body: `{"file_uid":"f-1","reply_to":"m-9"}`,
			want: uid,
		},
		{
			name: "SendToPhone with ChatName", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendToPhone(ctx, "+14840000000", SendParams{Text: Ptr("hi"), ChatName: Ptr("Jane Roe (Acme)")})
			},
			method: "POST", path: "/messages",
			body: `{"chat_name":"Jane Roe (Acme)","phone":"+14840000000","text":"hi"}`,
			want: uid,
		},
		{
			name: "SendToJID with ChatName", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendToJID(ctx, "14840000000@s.whatsapp.net", SendParams{Text: Ptr("hi"), ChatName: Ptr("MyChat")})
			},
			method: "POST", path: "/messages/to_jid",
			body: `{"chat_name":"MyChat","jid":"14840000000@s.whatsapp.net","text":"hi"}`,
			want: uid,
		},
		{
			name: "SendToChat with ChatName", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendToChat(ctx, 1000001, SendParams{Text: Ptr("hi"), ChatName: Ptr("MyChat")})
			},
			method: "POST", path: "/chats/1000001/messages",
			body: `{"chat_name":"MyChat","text":"hi"}`,
			want: uid,
		},
		{
			name: "SendToPhone from an account ID", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendToPhone(ctx, "+14840000000", SendParams{Text: Ptr("hi"), WhatsAppAccountID: Ptr("15551234567@s.whatsapp.net")})
			},
			method: "POST", path: "/messages",
			body: `{"phone":"+14840000000","text":"hi","whatsapp_account_id":"15551234567@s.whatsapp.net"}`,
			want: uid,
		},
		{
			name: "SendToJID from an account ID", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendToJID(ctx, "14840000000@s.whatsapp.net", SendParams{Text: Ptr("hi"), WhatsAppAccountID: Ptr("15551234567@s.whatsapp.net")})
			},
			method: "POST", path: "/messages/to_jid",
			body: `{"jid":"14840000000@s.whatsapp.net","text":"hi","whatsapp_account_id":"15551234567@s.whatsapp.net"}`,
			want: uid,
		},
		{
			name: "SendToChatName", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendToChatName(ctx, "My Chat", SendParams{AttachmentTemplateID: Ptr(int64(7))})
			},
			method: "POST", path: "/messages/to_chat_name",
			body: `{"attachment_template_id":7,"chat_name":"My Chat"}`,
			want: uid,
		},
		{
			name: "AddNote", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddNote(ctx, 42, NoteParams{Text: "called back", IsPrivate: Ptr(false)})
			},
			method: "POST", path: "/chats/42/notes",
			body: `{"is_private":false,"text":"called back"}`,
			want: uid,
		},
		{
			name: "GetMessage", answer: "message.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetMessage(ctx, "de919486-0c93-409d-ae66-c2bbb544faca")
			},
			method: "GET", path: "/messages/de919486-0c93-409d-ae66-c2bbb544faca",
			want: &msg,
		},
		{
			name: "GetMessage escapes the UID", answer: "message.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				m, err := c.GetMessage(ctx, "a/b ?#c")
				if err != nil {
					return nil, err
				}
				return m.UID, nil
			},
			method: "GET", path: "/messages/a%2Fb%20%3F%23c",
			want: msg.UID,
		},
		{
			name: "GetMessageStatusHistory", answer: "status_history.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetMessageStatusHistory(ctx, "m-1")
			},
			method: "GET", path: "/messages/m-1/status_history",
			want: []StatusHistoryItem{
				{Status: "Queued", Timestamp: ts("2023-06-18T15:19:20+03:00")},
				{Status: "Sent", Timestamp: ts("2023-06-18T12:19:21Z")},
				{Status: "Read", Timestamp: ts("2023-06-18T15:19:23+03:00")},
			},
		},
		{
			name: "GetReactions", answer: "reactions.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetReactions(ctx, "m-1")
			},
			method: "GET", path: "/messages/m-1/reactions",
			want: &wantReactions,
		},
		{
			name: "SetReaction", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetReaction(ctx, "m-1", "👍🏽")
			},
			method: "PATCH", path: "/messages/m-1/reactions",
			body: `{"reaction":"👍🏽"}`,
		},
		{
			name: "SetReaction clears", answer: "send_result.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetReaction(ctx, "m-1", "")
			},
			method: "PATCH", path: "/messages/m-1/reactions",
			body: `{"reaction":""}`,
		},
		{
			name: "GetChat", answer: "chat.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetChat(ctx, 1000001)
			},
			method: "GET", path: "/chats/1000001",
			want: &chat,
		},
		{
			name: "UpdateChat", answer: "chat.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateChat(ctx, 1000001, UpdateChatParams{Responsible: Ptr(""), Closed: Ptr(true), Read: Ptr(false), ChatGPTAutoresponseEnabled: Ptr(true), Name: Ptr("VIP")})
			},
			method: "PATCH", path: "/chats/1000001",
			body: `{"chatgpt_autoresponse_enabled":true,"closed":true,"name":"VIP","read":false,"responsible":""}`,
			want: &chat,
		},
		{
			name: "ListLabels objects", answer: "labels_objects.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListLabels(ctx, 7)
			},
			method: "GET", path: "/chats/7/labels",
			want: []string{"inbound-lead", "vip"},
		},
		{
			name: "AddLabels", answer: "labels.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddLabels(ctx, 7, []string{"label1", "label2", "label3"})
			},
			method: "PUT", path: "/chats/7/labels",
			body: `{"labels":["label1","label2","label3"]}`,
			want: []string{"label1", "label2", "label3"},
		},
		{
			name: "ReplaceLabels", answer: "labels.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ReplaceLabels(ctx, 7, []string{"label1"})
			},
			method: "POST", path: "/chats/7/labels",
			body: `{"labels":["label1"]}`,
			want: []string{"label1", "label2", "label3"},
		},
		{
			name: "UploadFileFromURL", answer: "file.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UploadFileFromURL(ctx, "https://acme.com/somefile.png?x=1&y=2", UploadFromURLParams{Filename: Ptr("somefile.png"), ContentType: Ptr("image/png")})
			},
			method: "POST", path: "/files",
			body: `{"content_type":"image/png","download_url":"https://acme.com/somefile.png?x=1\u0026y=2","filename":"somefile.png"}`,
			want: &file,
		},
		{
			name: "GetFile", answer: "file.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetFile(ctx, "90d353e6-44c1-48ff-b15b-69b7721e5450")
			},
			method: "GET", path: "/files/90d353e6-44c1-48ff-b15b-69b7721e5450",
			want: &file,
		},
		{
			name: "ListFiles", answer: "files.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				files, err := c.ListFiles(ctx, ListFilesParams{Filename: Ptr(".png & co")})
				if err != nil {
					return nil, err
				}
				return files[0], nil
			},
			method: "GET", path: "/files", query: "filename=.png+%26+co",
			want: listed,
		},
		{
			name: "DeleteFile", answer: `{"status":"ok"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteFile(ctx, "f-1")
			},
			method: "DELETE", path: "/files/f-1",
		},
		{
			name: "DeleteFile empty body", answer: "",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteFile(ctx, "f-1")
			},
			method: "DELETE", path: "/files/f-1",
		},
		{
			name: "ListWhatsAppAccounts", answer: "whatsapp_accounts.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListWhatsAppAccounts(ctx)
			},
			method: "GET", path: "/whatsapp_accounts",
			want: []WhatsAppAccount{account},
		},
		{
			name: "GetWorkspace", answer: "workspace.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				w, err := c.GetWorkspace(ctx)
				if err != nil {
					return nil, err
				}
				return []any{w.ID, w.DisplayName, w.Plan, w.MessagesQuota.Total, w.MessagesQuota.Used, w.APICallsQuota.Total, w.Seats.Used, w.NonRecurringQuota.RemainingBalance}, nil
			},
			method: "GET", path: "/workspace",
			want: []any{"acme-inc", "Acme Inc.", "Business", 10, 7, 200000, 3, 50},
		},
		{
			name: "ListTeammates", answer: "teammates.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				tms, err := c.ListTeammates(ctx)
				if err != nil {
					return nil, err
				}
				require.Len(t, tms, 1)
				require.Len(t, tms[0].WhatsAppAccounts, 1)
				tms[0].WhatsAppAccounts = nil
				return tms, nil
			},
			method: "GET", path: "/workspace/teammates",
			want: []Teammate{{UserID: 42, DisplayName: "John Doe", Email: "admin@timelines.ai", Status: "active", CreatedAt: ts("2026-02-22T00:00:00+01:00"), Role: "owner"}},
		},
		{
			name: "InviteTeammate", answer: "invitation.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.InviteTeammate(ctx, InviteTeammateParams{Email: "jane@acme.com", FirstName: Ptr("Jane"), LastName: Ptr("Roe"), TeamTitle: Ptr("Default"), Role: Ptr(Role("Agent"))})
			},
			method: "POST", path: "/workspace/invitations",
			body: `{"email":"jane@acme.com","first_name":"Jane","last_name":"Roe","role":"Agent","team_title":"Default"}`,
			want: &Teammate{UserID: 43, DisplayName: "Jane Roe", Email: "jane@acme.com", Status: "Active", Role: "agent", Team: "Default", InvitationStatus: "Expired", CreatedAt: ts("2026-02-22T00:00:00+01:00")},
		},
		{
			name: "RevokeInvitation", answer: "revoke.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.RevokeInvitation(ctx, 43)
			},
			method: "DELETE", path: "/workspace/invitations/43",
		},
		{
			name: "ListWebhooks", answer: "webhooks.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListWebhooks(ctx)
			},
			method: "GET", path: "/webhooks",
			want: []Webhook{hook, {ID: 789457, EventType: "message:received:new", URL: "https://hooks.example.com/in", ErrorsCounter: 3}},
		},
		{
			name: "CreateWebhook", answer: "webhook.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateWebhook(ctx, CreateWebhookParams{EventType: "message:sent:new", URL: "http://www.example.com/api/hook", Enabled: Ptr(true)})
			},
			method: "POST", path: "/webhooks",
			body: `{"enabled":true,"event_type":"message:sent:new","url":"http://www.example.com/api/hook"}`,
			want: &hook,
		},
		{
			name: "GetWebhook", answer: "webhook.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetWebhook(ctx, 789456)
			},
			method: "GET", path: "/webhooks/789456",
			want: &hook,
		},
		{
			name: "UpdateWebhook", answer: "webhook.json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateWebhook(ctx, 789456, UpdateWebhookParams{Enabled: Ptr(false)})
			},
			method: "PUT", path: "/webhooks/789456",
			body: `{"enabled":false}`,
			want: &hook,
		},
		{
			name: "DeleteWebhook", answer: `{"status":"ok","message":"deleted"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteWebhook(ctx, 789456)
			},
			method: "DELETE", path: "/webhooks/789456",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, rec := newMockClient(t, []func(*http.Request) (*http.Response, error){jsonAnswer(200, answerBody(t, tc.answer))})
			got, err := tc.call(context.Background(), c)
			require.NoError(t, err)
			if tc.want != nil {
				assert.Equal(t, tc.want, got)
			}
			reqs := rec.requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, tc.method, r.Method)
			assert.Equal(t, "/integrations/api"+tc.path, r.Path)
			assert.Equal(t, tc.query, r.Query)
			assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
			assert.Equal(t, "application/json", r.Header.Get("Accept"))
			assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), userAgentProduct), r.Header.Get("User-Agent"))
			assert.Equal(t, tc.body, r.Body)
			if tc.body != "" {
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			} else {
				assert.Empty(t, r.Header.Get("Content-Type"))
			}
		})
	}
}
