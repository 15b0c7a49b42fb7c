package publicapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

type answers = []func(*http.Request) (*http.Response, error)

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("200 with status error is an error, not a zero result", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{jsonAnswer(200, string(fixture(t, "error_200.json")))})
		uid, err := c.SendToPhone(ctx, "+14155550100", SendParams{Text: Ptr("hi")})
		assert.Empty(t, uid)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 200, apiErr.StatusCode)
		assert.Equal(t, "validation_error", apiErr.Code)
		assert.Equal(t, "Invalid phone number", apiErr.Description)
		assert.Equal(t, []FieldError{{Fields: []string{"body", "phone"}, Message: "value is not a valid phone number"}}, apiErr.Fields)
		assert.Equal(t, "SendToPhone", apiErr.Operation)
		assert.ErrorIs(t, err, ErrInvalidRequest)
		assert.True(t, strings.HasPrefix(err.Error(), "publicapi: SendToPhone: "), err.Error())
		assert.Len(t, rec.requests(), 1)
	})
	t.Run("plain-text 401", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{textAnswer(401, string(fixture(t, "error_401.txt")))})
		_, err := c.GetChat(ctx, 1)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 401, apiErr.StatusCode)
		assert.Equal(t, "Unauthorized", apiErr.Description)
		assert.ErrorIs(t, err, ErrUnauthorized)
		assert.NotErrorIs(t, err, ErrForbidden)
		assert.Len(t, rec.requests(), 1, "a plain token is not refreshed")
	})
	t.Run("JSON 401", func(t *testing.T) {
		t.Parallel()
		c, _ := newMockClient(t, answers{jsonAnswer(401, string(fixture(t, "error_401.json")))})
		_, err := c.ListWebhooks(ctx)
		assert.ErrorIs(t, err, ErrUnauthorized)
		assert.Contains(t, err.Error(), "Invalid or expired token")
	})
	t.Run("403 access denied", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{jsonAnswer(403, string(fixture(t, "error_403.json")))})
		_, err := c.GetChat(ctx, 1)
		assert.ErrorIs(t, err, ErrForbidden)
		assert.NotErrorIs(t, err, ErrRateLimited)
		assert.Contains(t, err.Error(), "Access denied")
		assert.Len(t, rec.requests(), 1, "403 is not retried")
	})
	t.Run("HTML 404", func(t *testing.T) {
		t.Parallel()
		c, _ := newMockClient(t, answers{textAnswer(404, "<html><head><title>404 Not Found</title></head><body>nope</body></html>", "Content-Type", "text/html")})
		_, err := c.GetFile(ctx, "f")
		assert.ErrorIs(t, err, ErrNotFound)
		assert.Contains(t, err.Error(), "404 Not Found")
	})
	t.Run("quota message", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{jsonAnswer(429, `{"status":"error","message":"Monthly messaging quota exceeded"}`)})
		_, err := c.SendToChat(ctx, 1, SendParams{Text: Ptr("x")})
		assert.ErrorIs(t, err, ErrQuotaExceeded)
		assert.NotErrorIs(t, err, ErrRateLimited)
		assert.Len(t, rec.requests(), 1, "a quota error is never retried")
	})
	t.Run("429 then 200 for a send", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{
			textAnswer(429, "Too Many Requests", "Retry-After", "0"),
			jsonAnswer(200, string(fixture(t, "send_result.json"))),
		})
		uid, err := c.SendToPhone(ctx, "+14155550100", SendParams{Text: Ptr("hi")})
		require.NoError(t, err)
		assert.Equal(t, "1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11", uid)
		reqs := rec.requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, reqs[0].Body, reqs[1].Body, "the retry resends the same body")
	})
	t.Run("503 is retried for reads, not for sends", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{jsonAnswer(503, `{"status":"error","message":"busy"}`), jsonAnswer(200, string(fixture(t, "chat.json")))})
		_, err := c.GetChat(ctx, 1)
		require.NoError(t, err)
		assert.Len(t, rec.requests(), 2)

		c, rec = newMockClient(t, answers{jsonAnswer(503, `{"status":"error","message":"busy"}`), jsonAnswer(200, string(fixture(t, "send_result.json")))})
		_, err = c.SendToChat(ctx, 1, SendParams{Text: Ptr("x")})
		assert.ErrorIs(t, err, ErrServer)
		assert.Len(t, rec.requests(), 1)
	})
	t.Run("undecodable 200", func(t *testing.T) {
		t.Parallel()
		c, _ := newMockClient(t, answers{jsonAnswer(200, `{"status":"ok","data":{"id":"not-a-number"}}`)})
		_, err := c.GetChat(ctx, 1)
		require.Error(t, err)
		assert.EqualError(t, err, "publicapi: GetChat: decode response: field data.id: want an integer, got a string of 12 bytes")
	})
	t.Run("bad timestamp", func(t *testing.T) {
		t.Parallel()
		c, _ := newMockClient(t, answers{jsonAnswer(200, `{"status":"ok","data":{"id":1,"created_timestamp":"yesterday"}}`)})
		_, err := c.GetChat(ctx, 1)
		assert.EqualError(t, err, "publicapi: GetChat: decode response: field created_timestamp: want a date-time, got a string of 9 bytes")
		c, rec := newMockClient(t, answers{jsonAnswer(200, `{"status":"ok","data":{"has_more_pages":true,"chats":[{"id":1},{"id":2,"last_message_timestamp":"soon"}]}}`)})
		var ids []int64
		var errs int
		for chat, err := range c.ListChats(ctx, ListChatsParams{}) {
			if err != nil {
				errs++
				continue
			}
			ids = append(ids, chat.ID)
		}
		assert.Equal(t, []int64{1}, ids)
		assert.Equal(t, 1, errs)
		assert.Len(t, rec.requests(), 1)
		c, _ = newMockClient(t, answers{jsonAnswer(200, `{"status":"ok","data":[{"uid":"f","uploaded_at":12}]}`)})
		_, err = c.ListFiles(ctx, ListFilesParams{})
		assert.ErrorContains(t, err, "decode response")
	})
	t.Run("send without message_uid", func(t *testing.T) {
		t.Parallel()
		c, _ := newMockClient(t, answers{jsonAnswer(200, `{"status":"ok","data":{}}`)})
		_, err := c.SendToChat(ctx, 1, SendParams{Text: Ptr("x")})
		assert.ErrorContains(t, err, "decode response")
	})
}

func TestStringChatIDsAndBothTimestampForms(t *testing.T) {
	t.Parallel()
	c, _ := newMockClient(t, answers{jsonAnswer(200, string(fixture(t, "chats_page.json"))), jsonAnswer(200, `{"status":"ok","data":{"has_more_pages":false,"chats":[]}}`)})
	var ids []int64
	var created []string
	for chat, err := range c.ListChats(context.Background(), ListChatsParams{}) {
		require.NoError(t, err)
		ids = append(ids, chat.ID)
		created = append(created, chat.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))
	}
	assert.Equal(t, []int64{1000001, 123456}, ids) // "1000001" and 123456
	assert.Equal(t, []string{"2024-01-08T08:35:18Z", "2024-01-08T08:35:18Z"}, created)
}

// chatPageBody renders a page of n chats with ids from first.
func chatPageBody(first, n int, more bool) string {
	chats := make([]string, n)
	for i := range chats {
		chats[i] = fmt.Sprintf(`{"id":"%d","name":"chat %d"}`, first+i, first+i)
	}
	return fmt.Sprintf(`{"status":"ok","data":{"has_more_pages":%t,"chats":[%s]}}`, more, strings.Join(chats, ","))
}

func TestListChatsPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	three := answers{jsonAnswer(200, chatPageBody(1, 2, true)), jsonAnswer(200, chatPageBody(3, 2, true)), jsonAnswer(200, chatPageBody(5, 1, false))}

	t.Run("three pages drained", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, three)
		var ids []int64
		for chat, err := range c.ListChats(ctx, ListChatsParams{Labels: []string{"vip", "new lead"}, Group: Ptr(false), Read: Ptr(true)}) {
			require.NoError(t, err)
			ids = append(ids, chat.ID)
		}
		assert.Equal(t, []int64{1, 2, 3, 4, 5}, ids)
		reqs := rec.requests()
		require.Len(t, reqs, 3)
		for i, r := range reqs {
			assert.Equal(t, "/integrations/api/chats", r.Path)
			q, err := url.ParseQuery(r.Query)
			require.NoError(t, err)
			assert.Equal(t, url.Values{"label": {"vip,new lead"}, "group": {"false"}, "read": {"true"}, "page": {strconv.Itoa(i + 1)}}, q)
		}
	})
	t.Run("break after item 2 requests no further page", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, three)
		n := 0
		for _, err := range c.ListChats(ctx, ListChatsParams{}) {
			require.NoError(t, err)
			n++
			if n == 2 {
				break
			}
		}
		assert.Len(t, rec.requests(), 1)
	})
	t.Run("error on page 2 is yielded once, then the loop stops", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{jsonAnswer(200, chatPageBody(1, 2, true)), jsonAnswer(500, `{"status":"error","message":"boom"}`)}, WithMaxRetries(0))
		var ids []int64
		var errs []error
		for chat, err := range c.ListChats(ctx, ListChatsParams{}) {
			if err != nil {
				errs = append(errs, err)
				continue // keep ranging: the sequence must end by itself
			}
			ids = append(ids, chat.ID)
		}
		assert.Equal(t, []int64{1, 2}, ids)
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], ErrServer)
		assert.Len(t, rec.requests(), 2)
	})
	t.Run("has_more_pages with an empty page stops", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{jsonAnswer(200, chatPageBody(1, 0, true))})
		for _, err := range c.ListChats(ctx, ListChatsParams{}) {
			require.NoError(t, err)
		}
		assert.Len(t, rec.requests(), 1)
	})
	t.Run("a page number the server ignores ends the listing", func(t *testing.T) {
		t.Parallel()
		same := jsonAnswer(200, chatPageBody(1, 2, true))
		c, rec := newMockClient(t, answers{same, same, same, same, same})
		var ids []int64
		for chat, err := range c.ListChats(ctx, ListChatsParams{}) {
			require.NoError(t, err)
			ids = append(ids, chat.ID)
			require.Less(t, len(ids), 10, "looped over the same page")
		}
		assert.Equal(t, []int64{1, 2}, ids, "each chat once")
		assert.Len(t, rec.requests(), 2)
	})
	t.Run("nil and empty list filters are not sent", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{jsonAnswer(200, chatPageBody(1, 1, false))})
		for _, err := range c.ListChats(ctx, ListChatsParams{Labels: []string{}, Responsible: nil, WhatsAppAccountIDs: []string{}}) {
			require.NoError(t, err)
		}
		reqs := rec.requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, "page=1", reqs[0].Query)
	})
	t.Run("invalid params are yielded before any request", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, three)
		var errs []error
		for _, err := range c.ListChats(ctx, ListChatsParams{Labels: []string{"a,b"}}) {
			errs = append(errs, err)
		}
		require.Len(t, errs, 1)
		var ve *ValidationError
		require.ErrorAs(t, errs[0], &ve)
		assert.Equal(t, "ListChatsParams.Labels[0]", ve.Field)
		assert.Empty(t, rec.requests())
	})
}

func messagePageBody(more bool, uids ...string) string {
	msgs := make([]string, len(uids))
	for i, u := range uids {
		msgs[i] = fmt.Sprintf(`{"uid":%q,"chat_id":"7","timestamp":"2024-01-0%d 10:00:00 +0200"}`, u, i+1)
	}
	return fmt.Sprintf(`{"status":"ok","data":{"has_more_pages":%t,"messages":[%s]}}`, more, strings.Join(msgs, ","))
}

func TestListChatMessagesCursorPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		params ListChatMessagesParams
		cursor string
		fixed  url.Values
	}{
		{"descending", ListChatMessagesParams{FromMe: Ptr(true)}, "before_message", url.Values{"from_me": {"true"}}},
		{"ascending", ListChatMessagesParams{SortOrder: Ptr(SortAscending), BeforeMessage: Ptr("z")}, "after_message", url.Values{"sorting_order": {"asc"}, "before_message": {"z"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, rec := newMockClient(t, answers{
				jsonAnswer(200, messagePageBody(true, "a", "b")),
				jsonAnswer(200, messagePageBody(true, "c", "d")),
				jsonAnswer(200, messagePageBody(false, "e")),
			})
			var uids []string
			for m, err := range c.ListChatMessages(ctx, 7, tc.params) {
				require.NoError(t, err)
				assert.Equal(t, int64(7), m.ChatID)
				uids = append(uids, m.UID)
			}
			assert.Equal(t, []string{"a", "b", "c", "d", "e"}, uids)
			reqs := rec.requests()
			require.Len(t, reqs, 3)
			for i, r := range reqs {
				assert.Equal(t, "/integrations/api/chats/7/messages", r.Path)
				q, err := url.ParseQuery(r.Query)
				require.NoError(t, err)
				want := url.Values{}
				for k, v := range tc.fixed {
					want[k] = v
				}
				if i > 0 {
					want.Set(tc.cursor, []string{"b", "d"}[i-1])
				}
				assert.Equal(t, want, q, "request %d", i+1)
			}
		})
	}
	t.Run("break stops paging", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{jsonAnswer(200, messagePageBody(true, "a", "b"))})
		for range c.ListChatMessages(ctx, 7, ListChatMessagesParams{}) {
			break
		}
		assert.Len(t, rec.requests(), 1)
	})
	t.Run("a cursor that does not advance stops", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{jsonAnswer(200, messagePageBody(true, "a", "b"))})
		n := 0
		for _, err := range c.ListChatMessages(ctx, 7, ListChatMessagesParams{}) {
			require.NoError(t, err)
			n++
		}
		assert.Equal(t, 4, n)
		assert.Len(t, rec.requests(), 2)
	})
	t.Run("error on page 2", func(t *testing.T) {
		t.Parallel()
		c, _ := newMockClient(t, answers{jsonAnswer(200, messagePageBody(true, "a")), jsonAnswer(404, `{"status":"error","message":"gone"}`)})
		var errs int
		for _, err := range c.ListChatMessages(ctx, 7, ListChatMessagesParams{}) {
			if err != nil {
				errs++
				assert.ErrorIs(t, err, ErrNotFound)
			}
		}
		assert.Equal(t, 1, errs)
	})
}

func TestValidationSendsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, rec := newMockClient(t, answers{jsonAnswer(200, `{"status":"ok","data":{"message_uid":"x"}}`)})
	text := SendParams{Text: Ptr("hi")}
	cases := []struct {
		field string
		call  func() error
	}{
		{"phone", func() error { _, err := c.SendToPhone(ctx, "4155550100", text); return err }},
		{"phone", func() error { _, err := c.SendToPhone(ctx, "(415) 555-0100", text); return err }},
		{"phone", func() error { _, err := c.SendToPhone(ctx, "+1 415 555 0100 ext. 2", text); return err }},
		{"phone", func() error { _, err := c.SendToPhone(ctx, "+0123456789", text); return err }},
		{"SendParams", func() error { _, err := c.SendToPhone(ctx, "+14155550100", SendParams{}); return err }},
		{"SendParams", func() error {
			_, err := c.SendToPhone(ctx, "+14155550100", SendParams{Text: Ptr(""), Label: Ptr("x")})
			return err
		}},
		{"SendParams.WhatsAppAccountPhone", func() error {
			_, err := c.SendToPhone(ctx, "+14155550100", SendParams{Text: Ptr("x"), WhatsAppAccountPhone: Ptr("972")})
			return err
		}},
		{"SendParams.WhatsAppAccountPhone", func() error {
			_, err := c.SendToChat(ctx, 1, SendParams{Text: Ptr("x"), WhatsAppAccountPhone: Ptr("+14155550100")})
			return err
		}},
		{"SendParams.ChatName", func() error {
			_, err := c.SendToPhone(ctx, "+14155550100", SendParams{Text: Ptr("x"), ChatName: Ptr("")})
			return err
		}},
		{"SendParams.ChatName", func() error {
			_, err := c.SendToJID(ctx, "14155550100@s.whatsapp.net", SendParams{Text: Ptr("x"), ChatName: Ptr(" \t")})
			return err
		}},
		{"SendParams.ChatName", func() error {
			_, err := c.SendToChat(ctx, 1, SendParams{Text: Ptr("x"), ChatName: Ptr("\n")})
			return err
		}},
		{"SendParams.ChatName", func() error {
			_, err := c.SendToChatName(ctx, "My Chat", SendParams{Text: Ptr("x"), ChatName: Ptr("Other")})
			return err
		}},
		{"SendParams.WhatsAppAccountID", func() error {
			_, err := c.SendToPhone(ctx, "+14155550100", SendParams{Text: Ptr("x"), WhatsAppAccountPhone: Ptr("+15551234567"), WhatsAppAccountID: Ptr("15551234567@s.whatsapp.net")})
			return err
		}},
		{"SendParams.WhatsAppAccountID", func() error {
			_, err := c.SendToJID(ctx, "14155550100@s.whatsapp.net", SendParams{Text: Ptr("x"), WhatsAppAccountPhone: Ptr("+15551234567"), WhatsAppAccountID: Ptr("15551234567@s.whatsapp.net")})
			return err
		}},
		{"SendParams.WhatsAppAccountID", func() error {
			_, err := c.SendToPhone(ctx, "+14155550100", SendParams{Text: Ptr("x"), WhatsAppAccountID: Ptr("+15551234567")})
			return err
		}},
		{"SendParams.WhatsAppAccountID", func() error {
			_, err := c.SendToPhone(ctx, "+14155550100", SendParams{Text: Ptr("x"), WhatsAppAccountID: Ptr("15551234567")})
			return err
		}},
		{"SendParams.WhatsAppAccountID", func() error {
			_, err := c.SendToPhone(ctx, "+14155550100", SendParams{Text: Ptr("x"), WhatsAppAccountID: Ptr("120363012345678901@g.us")})
			return err
		}},
		{"SendParams.WhatsAppAccountID", func() error {
			_, err := c.SendToPhone(ctx, "+14155550100", SendParams{Text: Ptr("x"), WhatsAppAccountID: Ptr("@s.whatsapp.net")})
			return err
		}},
		{"SendParams.WhatsAppAccountID", func() error {
			_, err := c.SendToJID(ctx, "14155550100@s.whatsapp.net", SendParams{Text: Ptr("x"), WhatsAppAccountID: Ptr("1555abc@s.whatsapp.net")})
			return err
		}},
		{"SendParams.WhatsAppAccountID", func() error {
			_, err := c.SendToJID(ctx, "14155550100@s.whatsapp.net", SendParams{Text: Ptr("x"), WhatsAppAccountID: Ptr("")})
			return err
		}},
		{"SendParams.WhatsAppAccountID", func() error {
			_, err := c.SendToChat(ctx, 1, SendParams{Text: Ptr("x"), WhatsAppAccountID: Ptr("15551234567@s.whatsapp.net")})
			return err
		}},
		{"SendParams.WhatsAppAccountID", func() error {
			_, err := c.SendToChatName(ctx, "My Chat", SendParams{Text: Ptr("x"), WhatsAppAccountID: Ptr("15551234567@s.whatsapp.net")})
			return err
		}},
		{"SendParams.FileUID", func() error { _, err := c.SendToChat(ctx, 1, SendParams{FileUID: Ptr(" ")}); return err }},
		{"SendParams.AttachmentTemplateID", func() error {
			_, err := c.SendToChat(ctx, 1, SendParams{AttachmentTemplateID: Ptr(int64(0))})
			return err
		}},
		{"jid", func() error { _, err := c.SendToJID(ctx, "14155550100", text); return err }},
		{"jid", func() error { _, err := c.SendToJID(ctx, "+14155550100@s.whatsapp.net", text); return err }},
		{"jid", func() error { _, err := c.SendToJID(ctx, "14155550100@example.com", text); return err }},
		{"jid", func() error { _, err := c.SendToJID(ctx, "-1@g.us", text); return err }},
		{"chatID", func() error { _, err := c.SendToChat(ctx, 0, text); return err }},
		{"chatName", func() error { _, err := c.SendToChatName(ctx, "", text); return err }},
		{"NoteParams.Text", func() error { _, err := c.AddNote(ctx, 1, NoteParams{}); return err }},
		{"reaction", func() error { return c.SetReaction(ctx, "m", "👍👍") }},
		{"reaction", func() error { return c.SetReaction(ctx, "m", "ok") }},
		{"reaction", func() error { return c.SetReaction(ctx, "m", ":+1:") }},
		{"messageUID", func() error { return c.SetReaction(ctx, "", "👍") }},
		{"messageUID", func() error { _, err := c.GetMessage(ctx, ".."); return err }},
		{"labels", func() error { _, err := c.AddLabels(ctx, 1, nil); return err }},
		{"labels", func() error { _, err := c.ReplaceLabels(ctx, 1, []string{}); return err }},
		{"labels[1]", func() error { _, err := c.AddLabels(ctx, 1, []string{"a", " "}); return err }},
		{"UpdateChatParams", func() error { _, err := c.UpdateChat(ctx, 1, UpdateChatParams{}); return err }},
		{"UpdateChatParams.Responsible", func() error {
			_, err := c.UpdateChat(ctx, 1, UpdateChatParams{Responsible: Ptr("kate")})
			return err
		}},
		{"fileUID", func() error { return c.DeleteFile(ctx, "") }},
		{"fileUID", func() error { _, err := c.GetFile(ctx, " "); return err }},
		{"messageUID", func() error { _, err := c.GetMessageStatusHistory(ctx, ""); return err }},
		{"messageUID", func() error { _, err := c.GetReactions(ctx, ""); return err }},
		{"filename", func() error { _, err := c.SendVoiceMessage(ctx, 1, "", strings.NewReader("OggS")); return err }},
		{"chatID", func() error { _, err := c.SendVoiceMessage(ctx, 0, "v.ogg", strings.NewReader("OggS")); return err }},
		{"reaction", func() error { return c.SetReaction(ctx, "m", "👍 ") }},
		{"downloadURL", func() error { _, err := c.UploadFileFromURL(ctx, "/relative.png", UploadFromURLParams{}); return err }},
		{"filename", func() error { _, err := c.UploadFile(ctx, "", strings.NewReader("x"), UploadFileParams{}); return err }},
		{"filename", func() error {
			_, err := c.UploadFile(ctx, "a\r\nX-Evil: 1", strings.NewReader("x"), UploadFileParams{})
			return err
		}},
		{"r", func() error { _, err := c.UploadFile(ctx, "a.txt", nil, UploadFileParams{}); return err }},
		{"UploadFileParams.ContentType", func() error {
			_, err := c.UploadFile(ctx, "a.pdf", strings.NewReader("x"), UploadFileParams{ContentType: Ptr(" ")})
			return err
		}},
		{"UploadFileParams.ContentType", func() error {
			_, err := c.UploadFile(ctx, "a.pdf", strings.NewReader("x"), UploadFileParams{ContentType: Ptr("pdf")})
			return err
		}},
		{"UploadFileParams.ContentType", func() error {
			_, err := c.UploadFile(ctx, "a.pdf", strings.NewReader("x"), UploadFileParams{ContentType: Ptr("application/pdf\r\nX-Evil: 1")})
			return err
		}},
		{"UploadFileParams.ContentType", func() error {
			_, err := c.UploadFile(ctx, "a.pdf", strings.NewReader("x"), UploadFileParams{ContentType: Ptr("application/")})
			return err
		}},
		{"UploadFromURLParams.ContentType", func() error {
			_, err := c.UploadFileFromURL(ctx, "https://acme.com/a.pdf", UploadFromURLParams{ContentType: Ptr("not a type")})
			return err
		}},
		{"CreateWebhookParams.URL", func() error {
			_, err := c.CreateWebhook(ctx, CreateWebhookParams{EventType: "message:new", URL: "ftp://example.com/hook"})
			return err
		}},
		{"CreateWebhookParams.URL", func() error {
			_, err := c.CreateWebhook(ctx, CreateWebhookParams{EventType: "message:new", URL: "example.com/hook"})
			return err
		}},
		{"CreateWebhookParams.EventType", func() error {
			_, err := c.CreateWebhook(ctx, CreateWebhookParams{URL: "https://example.com/hook"})
			return err
		}},
		{"UpdateWebhookParams.URL", func() error {
			_, err := c.UpdateWebhook(ctx, 1, UpdateWebhookParams{URL: Ptr("mailto:x@y")})
			return err
		}},
		{"UpdateWebhookParams", func() error { _, err := c.UpdateWebhook(ctx, 1, UpdateWebhookParams{}); return err }},
		{"webhookID", func() error { return c.DeleteWebhook(ctx, -1) }},
		{"InviteTeammateParams.Role", func() error {
			_, err := c.InviteTeammate(ctx, InviteTeammateParams{Email: "a@b.c", Role: Ptr(Role("owner"))})
			return err
		}},
		{"InviteTeammateParams.Email", func() error { _, err := c.InviteTeammate(ctx, InviteTeammateParams{Email: "nobody"}); return err }},
		{"userID", func() error { return c.RevokeInvitation(ctx, 0) }},
		{"ctx", func() error {
			//lint:ignore SA1012 testing the nil check
			_, err := c.GetChat(nil, 1)
			return err
		}},
	}
	for _, tc := range cases {
		err := tc.call()
		var ve *ValidationError
		if assert.ErrorAs(t, err, &ve, "want a ValidationError for %s", tc.field) {
			assert.Equal(t, tc.field, ve.Field)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.True(t, strings.HasPrefix(err.Error(), "publicapi: "), err.Error())
		}
	}
	assert.Empty(t, rec.requests(), "nothing may be sent")

	// The accepted forms really are accepted.
	for _, jid := range []string{"14155550100@s.whatsapp.net", "120363012345678901@g.us", "14155550100-1600000000@g.us", "14155550100@c.us", "123456789@lid", "status@broadcast"} {
		_, err := c.SendToJID(ctx, jid, text)
		assert.NoError(t, err, jid)
	}
	for _, id := range []string{"15551234567@s.whatsapp.net", "15551234567@c.us", "123456789012345@lid"} {
		_, err := c.SendToPhone(ctx, "+14155550100", SendParams{Text: Ptr("x"), WhatsAppAccountID: Ptr(id)})
		assert.NoError(t, err, id)
	}
	for _, r := range []string{"", "👍", "👍🏽", "❤️", "👨‍👩‍👧", "🇳🇱", "\U0001F44D"} {
		assert.NoError(t, c.SetReaction(ctx, "m", r), "reaction %q", r)
	}
	for _, r := range []Role{RoleAdmin, "TEAM_SUPERVISOR", RoleTeammate, RoleAgent, RoleCollaborator} {
		_, err := c.InviteTeammate(ctx, InviteTeammateParams{Email: "a@b.c", Role: Ptr(r)})
		var ve *ValidationError
		assert.False(t, errors.As(err, &ve), "role %q: %v", r, err)
	}
}

// TestTokenErrorText: the reason does not repeat the field ("invalid
// token: token must not be empty" before).
func TestTokenErrorText(t *testing.T) {
	t.Parallel()
	_, err := NewClient("")
	assert.EqualError(t, err, "publicapi: invalid token: must not be empty")
	_, err = NewClient("a b")
	assert.EqualError(t, err, "publicapi: invalid token: must not contain spaces or control characters")
	c, err := NewClient("", WithBaseURL("https://127.0.0.1:1"), WithTokenSource(func(context.Context, string) (string, error) { return " ", nil }))
	require.NoError(t, err)
	_, err = c.GetWorkspace(context.Background())
	assert.ErrorContains(t, err, "publicapi: invalid WithTokenSource: the token it returned must not be empty")
}

func TestOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		field string
		token string
		opts  []Option
	}{
		{"token", "", nil},
		{"token", "abc def", nil},
		{"token", "abc\n", nil},
		{"WithBaseURL", testToken, []Option{WithBaseURL("app.timelines.ai/integrations/api")}},
		{"WithBaseURL", testToken, []Option{WithBaseURL("https://h/x?y=1")}},
		{"WithBaseURL", testToken, []Option{WithBaseURL("https://h/x?")}},
		{"WithBaseURL", testToken, []Option{WithBaseURL("https://u:pw@h/x")}},
		{"WithBaseURL", testToken, []Option{WithBaseURL("https:///x")}},
		{"WithMaxRetries", testToken, []Option{WithMaxRetries(-1)}},
		{"WithUserAgent", testToken, []Option{WithUserAgent("x\ny")}},
		{"RetryPolicy.BaseDelay", testToken, []Option{WithRetryPolicy(RetryPolicy{BaseDelay: -1})}},
	} {
		_, err := NewClient(tc.token, tc.opts...)
		var ve *ValidationError
		if assert.ErrorAs(t, err, &ve, tc.field) {
			assert.Equal(t, tc.field, ve.Field)
			assert.NotContains(t, err.Error(), "abc")
		}
	}
	c, err := NewClient(testToken, nil, WithBaseURL("https://app.timelines.global/integrations/api/"))
	require.NoError(t, err)
	assert.Equal(t, "https://app.timelines.global/integrations/api", c.BaseURL())
	c, err = NewClient(testToken)
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, c.BaseURL())
	_, err = NewClient("", WithTokenSource(func(context.Context, string) (string, error) { return testToken, nil }))
	assert.NoError(t, err, "an empty token is fine with a token source")

	var zero Client
	_, err = zero.GetChat(context.Background(), 1)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "client", ve.Field)
	var nilClient *Client
	_, err = nilClient.ListWebhooks(context.Background())
	require.ErrorAs(t, err, &ve)
}

func TestUserAgentAndLogger(t *testing.T) {
	t.Parallel()
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, rec := newMockClient(t, answers{textAnswer(429, "slow down"), jsonAnswer(200, string(fixture(t, "webhook.json")))},
		WithUserAgent("acme-crm/2.0"), WithLogger(logger))
	_, err := c.GetWebhook(context.Background(), 789456)
	require.NoError(t, err)
	assert.Regexp(t, `^tlpartner-go/\d+\.\d+\.\d+ \(publicapi\) acme-crm/2\.0$`, rec.requests()[0].Header.Get("User-Agent"))
	out := logs.String()
	assert.Contains(t, out, "op=GetWebhook")
	assert.Contains(t, out, "/webhooks/789456")
	assert.NotContains(t, out, testToken)
}

// TestNilLoggerDisablesLogging: as in the Partner client, WithLogger(nil)
// is not an error; it turns logging off (the last option wins).
func TestNilLoggerDisablesLogging(t *testing.T) {
	t.Parallel()
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _ := newMockClient(t, answers{jsonAnswer(200, string(fixture(t, "webhook.json")))}, WithLogger(logger), WithLogger(nil))
	_, err := c.GetWebhook(context.Background(), 789456)
	require.NoError(t, err)
	assert.Empty(t, logs.String())
}

// TestTokenRefresh: a workspace token was rotated. The first attempt gets
// 401, the client fetches a fresh token from its source once, and the send
// happens exactly once, with the fresh token. Neither token is printed.
func TestTokenRefresh(t *testing.T) {
	t.Parallel()
	const fresh = "9b1c5a2e-0000-4000-8000-fresh0000000"
	var fetches atomic.Int32
	src := func(ctx context.Context, _ string) (string, error) {
		fetches.Add(1)
		return fresh, nil
	}
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, rec := newMockClient(t, nil, WithTokenSource(src), WithLogger(logger))
	rec.answers = answers{func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("Authorization") != "Bearer "+fresh {
			return textAnswer(401, "Unauthorized: "+r.Header.Get("Authorization")+" was rotated")(r)
		}
		return jsonAnswer(200, string(fixture(t, "send_result.json")))(r)
	}}
	uid, err := c.SendToPhone(context.Background(), "+14155550100", SendParams{Text: Ptr("hello")})
	require.NoError(t, err)
	assert.Equal(t, "1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11", uid)
	assert.Equal(t, int32(1), fetches.Load())
	reqs := rec.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "Bearer "+testToken, reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "Bearer "+fresh, reqs[1].Header.Get("Authorization"))

	// The next call uses the fresh token right away.
	_, err = c.SendToPhone(context.Background(), "+14155550100", SendParams{Text: Ptr("again")})
	require.NoError(t, err)
	assert.Len(t, rec.requests(), 3)
	assert.Equal(t, int32(1), fetches.Load())

	// A second 401 with the fresh token: one refresh per call, then the error.
	// The server echoes the token it got.
	echo := func(r *http.Request) (*http.Response, error) {
		return textAnswer(401, "Unauthorized: "+r.Header.Get("Authorization"))(r)
	}
	rec2Client, rec2 := newMockClient(t, answers{echo}, WithTokenSource(src), WithLogger(logger))
	_, err = rec2Client.SendToPhone(context.Background(), "+14155550100", SendParams{Text: Ptr("x")})
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.Len(t, rec2.requests(), 2)
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), logs.String()} {
		assert.NotContains(t, s, testToken)
		assert.NotContains(t, s, fresh)
	}
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.NotContains(t, string(apiErr.Body), testToken, "an echoed token is scrubbed")
	assert.NotContains(t, string(apiErr.Body), fresh)
}

func TestTokenSourceSuppliesFirstToken(t *testing.T) {
	t.Parallel()
	c, rec := newMockClient(t, answers{jsonAnswer(200, string(fixture(t, "webhooks.json")))})
	// Rebuild the client with an empty token and a source.
	_ = c
	mt := rec
	cl, err := NewClient("", WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: roundTripFunc(mt.responder)}),
		WithTokenSource(func(context.Context, string) (string, error) { return "lazy-token", nil }))
	require.NoError(t, err)
	_, err = cl.ListWebhooks(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "Bearer lazy-token", rec.requests()[0].Header.Get("Authorization"))

	failing, err := NewClient("", WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: roundTripFunc(mt.responder)}),
		WithTokenSource(func(context.Context, string) (string, error) { return "", errors.New("vault down") }))
	require.NoError(t, err)
	_, err = failing.ListWebhooks(context.Background())
	assert.ErrorContains(t, err, "vault down")
	assert.Len(t, rec.requests(), 1, "no request without a token")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestClientNeverPrintsToken(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testToken)
	require.NoError(t, err)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("client", "c", c)
	js, err := json.Marshal(c)
	require.NoError(t, err)
	for _, s := range []string{
		fmt.Sprint(c), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%s", c),
		fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", *c), c.String(), c.GoString(), logs.String(), string(js),
	} {
		assert.NotContains(t, s, testToken)
		assert.NotContains(t, s, testToken[:8])
	}
	assert.Contains(t, string(js), redacted)
}

func TestUploadFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	content := strings.Repeat("0123456789", 1000)
	check := func(t *testing.T, r recorded) {
		t.Helper()
		assert.Equal(t, "POST", r.Method)
		assert.Equal(t, "/integrations/api/files_upload", r.Path)
		ct := r.Header.Get("Content-Type")
		require.True(t, strings.HasPrefix(ct, "multipart/form-data; boundary="), ct)
		req := &http.Request{Header: http.Header{"Content-Type": {ct}}, Body: io.NopCloser(strings.NewReader(r.Body))}
		require.NoError(t, req.ParseMultipartForm(1<<20))
		// Without UploadFileParams.ContentType no content_type field is sent.
		assert.Equal(t, map[string][]string{"filename": {"report \"q1\".png"}}, req.MultipartForm.Value)
		fh := req.MultipartForm.File["file"]
		require.Len(t, fh, 1)
		assert.Equal(t, "report \"q1\".png", fh[0].Filename)
		assert.Equal(t, "image/png", fh[0].Header.Get("Content-Type"))
		f, err := fh[0].Open()
		require.NoError(t, err)
		got, err := io.ReadAll(f)
		require.NoError(t, err)
		assert.Equal(t, content, string(got))
	}
	t.Run("seekable reader: Content-Length and a retry after 429", func(t *testing.T) {
		t.Parallel()
		var lengths []int64
		c, rec := newMockClient(t, answers{
			func(r *http.Request) (*http.Response, error) {
				lengths = append(lengths, r.ContentLength)
				return textAnswer(429, "slow down")(r)
			},
			func(r *http.Request) (*http.Response, error) {
				lengths = append(lengths, r.ContentLength)
				return jsonAnswer(200, string(fixture(t, "file.json")))(r)
			},
		})
		src := strings.NewReader("ignored prefix" + content)
		_, _ = src.Seek(int64(len("ignored prefix")), io.SeekStart)
		f, err := c.UploadFile(ctx, "report \"q1\".png", src, UploadFileParams{})
		require.NoError(t, err)
		assert.Equal(t, "90d353e6-44c1-48ff-b15b-69b7721e5450", f.UID)
		reqs := rec.requests()
		require.Len(t, reqs, 2)
		check(t, reqs[0])
		check(t, reqs[1])
		require.Len(t, lengths, 2)
		assert.Equal(t, int64(len(reqs[0].Body)), lengths[0])
		assert.Equal(t, lengths[0], lengths[1])
	})
	t.Run("plain reader: one attempt only", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{textAnswer(429, "slow down"), jsonAnswer(200, string(fixture(t, "file.json")))})
		_, err := c.UploadFile(ctx, "report \"q1\".png", io.MultiReader(strings.NewReader(content)), UploadFileParams{})
		assert.ErrorIs(t, err, ErrRateLimited)
		reqs := rec.requests()
		require.Equal(t, 1, len(reqs), "a reader that cannot be rewound is sent once")
		check(t, reqs[0])
	})
	t.Run("content type: the form field and the part's Content-Type", func(t *testing.T) {
		t.Parallel()
		for _, ct := range []string{"application/pdf", "text/plain; charset=utf-8", "application/octet-stream"} {
			c, rec := newMockClient(t, answers{jsonAnswer(200, string(fixture(t, "file.json")))})
			_, err := c.UploadFile(ctx, "scan.bin", strings.NewReader("%PDF-1.7"), UploadFileParams{ContentType: Ptr(ct)})
			require.NoError(t, err)
			reqs := rec.requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			req := &http.Request{Header: http.Header{"Content-Type": {r.Header.Get("Content-Type")}}, Body: io.NopCloser(strings.NewReader(r.Body))}
			require.NoError(t, req.ParseMultipartForm(1<<20))
			assert.Equal(t, map[string][]string{"filename": {"scan.bin"}, "content_type": {ct}}, req.MultipartForm.Value)
			fh := req.MultipartForm.File["file"]
			require.Len(t, fh, 1)
			assert.Equal(t, ct, fh[0].Header.Get("Content-Type"))
			assert.Equal(t, "scan.bin", fh[0].Filename)
		}
		// Without it the part's type is guessed from the extension only.
		c, rec := newMockClient(t, answers{jsonAnswer(200, string(fixture(t, "file.json")))})
		_, err := c.UploadFile(ctx, "scan.bin", strings.NewReader("%PDF-1.7"), UploadFileParams{})
		require.NoError(t, err)
		r := rec.requests()[0]
		assert.NotContains(t, r.Body, "content_type")
		assert.Contains(t, r.Body, "Content-Type: application/octet-stream\r\n")
	})
	t.Run("voice message", func(t *testing.T) {
		t.Parallel()
		c, rec := newMockClient(t, answers{jsonAnswer(200, string(fixture(t, "send_result.json")))})
		uid, err := c.SendVoiceMessage(ctx, 42, "note.oga", bytes.NewReader([]byte("OggS...")))
		require.NoError(t, err)
		assert.Equal(t, "1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11", uid)
		r := rec.requests()[0]
		assert.Equal(t, "/integrations/api/chats/42/voice_message", r.Path)
		req := &http.Request{Header: http.Header{"Content-Type": {r.Header.Get("Content-Type")}}, Body: io.NopCloser(strings.NewReader(r.Body))}
		require.NoError(t, req.ParseMultipartForm(1<<20))
		assert.Empty(t, req.MultipartForm.Value)
		fh := req.MultipartForm.File["file"]
		require.Len(t, fh, 1)
		assert.Equal(t, "audio/ogg", fh[0].Header.Get("Content-Type"))
	})
}

func TestGetWorkspaceFallsBackToQuotasRoute(t *testing.T) {
	t.Parallel()
	c, rec := newMockClient(t, answers{textAnswer(404, "Not Found"), jsonAnswer(200, string(fixture(t, "quotas.json")))})
	w, err := c.GetWorkspace(context.Background())
	require.NoError(t, err)
	assert.Empty(t, w.ID)
	assert.Equal(t, 10, w.MessagesQuota.Total)
	reqs := rec.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/integrations/api/workspace", reqs[0].Path)
	assert.Equal(t, "/integrations/api/workspace/quotas", reqs[1].Path)
}

// TestReplyToOnPhoneSendIsRefused: POST /messages documents no reply_to
// (C27), so SendToPhone refuses ReplyTo before sending; it used to send it.
// The chat and JID sends carry it.
func TestReplyToOnPhoneSendIsRefused(t *testing.T) {
	t.Parallel()
	ok := jsonAnswer(200, `{"status":"ok","data":{"message_uid":"m-1"}}`)
	c, rec := newMockClient(t, []func(*http.Request) (*http.Response, error){ok, ok})
	msg := SendParams{Text: Ptr("hi"), ReplyTo: Ptr("m-0")}
	_, err := c.SendToPhone(context.Background(), "+14155550100", msg)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "SendParams.ReplyTo", ve.Field)
	assert.ErrorIs(t, ValidateSendToPhone("+14155550100", msg), ErrInvalidRequest)
	assert.Empty(t, rec.requests(), "nothing is sent")

	_, err = c.SendToChat(context.Background(), 7, msg)
	require.NoError(t, err)
	_, err = c.SendToJID(context.Background(), "14155550100@s.whatsapp.net", msg)
	require.NoError(t, err)
	for _, r := range rec.requests() {
		assert.Contains(t, r.Body, `"reply_to":"m-0"`, r.Path)
	}
}
