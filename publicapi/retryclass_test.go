package publicapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// retryOp is one API operation with a valid call and a success answer.
type retryOp struct {
	name   string
	safe   bool   // retried after network errors and 502/503/504 too
	answer string // fixture file, or literal JSON
	call   func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error
}

func drain[T any](seq func(func(T, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// retryOps lists every API operation of Client with its retry class, as
// the code is meant to classify it.
func retryOps() []retryOp {
	text := SendParams{Text: Ptr("hi")}
	audio := func() io.Reader { return bytes.NewReader([]byte("OggS voice")) } // a Seeker: resendable
	return []retryOp{
		{"GetMessage", true, "message.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.GetMessage(ctx, "m-1", opts...)
			return err
		}},
		{"GetMessageStatusHistory", true, "status_history.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.GetMessageStatusHistory(ctx, "m-1", opts...)
			return err
		}},
		{"GetReactions", true, "reactions.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.GetReactions(ctx, "m-1", opts...)
			return err
		}},
		{"SetReaction", true, "send_result.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			return c.SetReaction(ctx, "m-1", "👍", opts...)
		}},
		{"ListChats", true, `{"status":"ok","data":{"has_more_pages":false,"chats":[{"id":1}]}}`, func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			return drain(c.ListChats(ctx, ListChatsParams{}, opts...))
		}},
		{"ListChatMessages", true, `{"status":"ok","data":{"has_more_pages":false,"messages":[{"uid":"m-1"}]}}`, func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			return drain(c.ListChatMessages(ctx, 7, ListChatMessagesParams{}, opts...))
		}},
		{"GetChat", true, "chat.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.GetChat(ctx, 7, opts...)
			return err
		}},
		{"UpdateChat", true, "chat.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.UpdateChat(ctx, 7, UpdateChatParams{Read: Ptr(true)}, opts...)
			return err
		}},
		{"ListLabels", true, "labels.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.ListLabels(ctx, 7, opts...)
			return err
		}},
		{"AddLabels", true, "labels.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.AddLabels(ctx, 7, []string{"vip"}, opts...)
			return err
		}},
		{"ReplaceLabels", true, "labels.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.ReplaceLabels(ctx, 7, []string{"vip"}, opts...)
			return err
		}},
		{"GetFile", true, "file.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.GetFile(ctx, "f-1", opts...)
			return err
		}},
		{"ListFiles", true, "files.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.ListFiles(ctx, ListFilesParams{}, opts...)
			return err
		}},
		{"DeleteFile", true, `{"status":"ok"}`, func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			return c.DeleteFile(ctx, "f-1", opts...)
		}},
		{"ListWebhooks", true, "webhooks.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.ListWebhooks(ctx, opts...)
			return err
		}},
		{"GetWebhook", true, "webhook.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.GetWebhook(ctx, 9, opts...)
			return err
		}},
		{"UpdateWebhook", true, "webhook.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.UpdateWebhook(ctx, 9, UpdateWebhookParams{Enabled: Ptr(false)}, opts...)
			return err
		}},
		{"DeleteWebhook", true, `{"status":"ok"}`, func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			return c.DeleteWebhook(ctx, 9, opts...)
		}},
		{"ListWhatsAppAccounts", true, "whatsapp_accounts.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.ListWhatsAppAccounts(ctx, opts...)
			return err
		}},
		{"GetWorkspace", true, "workspace.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.GetWorkspace(ctx, opts...)
			return err
		}},
		{"ListTeammates", true, "teammates.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.ListTeammates(ctx, opts...)
			return err
		}},
		{"RevokeInvitation", true, "revoke.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			return c.RevokeInvitation(ctx, 43, opts...)
		}},

		{"SendToPhone", false, "send_result.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.SendToPhone(ctx, "+14155550100", text, opts...)
			return err
		}},
		{"SendToJID", false, "send_result.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.SendToJID(ctx, "14155550100@s.whatsapp.net", text, opts...)
			return err
		}},
		{"SendToChat", false, "send_result.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.SendToChat(ctx, 7, text, opts...)
			return err
		}},
		{"SendToChatName", false, "send_result.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.SendToChatName(ctx, "My Chat", text, opts...) //nolint:staticcheck // deprecated, still classified
			return err
		}},
		{"AddNote", false, "send_result.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.AddNote(ctx, 7, NoteParams{Text: "n"}, opts...)
			return err
		}},
		{"SendVoiceMessage", false, "send_result.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.SendVoiceMessage(ctx, 7, "v.ogg", audio(), opts...)
			return err
		}},
		{"UploadFile", false, "file.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.UploadFile(ctx, "a.txt", strings.NewReader("hello"), UploadFileParams{}, opts...)
			return err
		}},
		{"UploadFileFromURL", false, "file.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.UploadFileFromURL(ctx, "https://example.com/a.png", UploadFromURLParams{}, opts...)
			return err
		}},
		{"CreateWebhook", false, "webhook.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.CreateWebhook(ctx, CreateWebhookParams{EventType: "message:new", URL: "https://example.com/h"}, opts...)
			return err
		}},
		{"InviteTeammate", false, "invitation.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.InviteTeammate(ctx, InviteTeammateParams{Email: "a@b.c"}, opts...)
			return err
		}},
		// Do's class follows the method: POST here, GET in
		// TestDoRetriesByMethod.
		{"Do", false, "send_result.json", func(ctx context.Context, c *Client, opts ...tlhttp.CallOption) error {
			_, err := c.Do(ctx, "POST", "/chats/7/notes", map[string]string{"text": "x"}, nil, opts...)
			return err
		}},
	}
}

func failWith(err error) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) { return nil, err }
}

// TestRetryClassPerOperation drives every operation through each kind of
// failure followed by a success: 429 and a failed dial are retried for
// all; a 503 and a network error after the connection was made only for
// the safe class, where the unsafe class gives up after one attempt.
func TestRetryClassPerOperation(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	lost := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	failures := []struct {
		name      string
		answer    func(*http.Request) (*http.Response, error)
		allRetry  bool
		wantError error // for the unsafe class when not retried
	}{
		{"429", jsonAnswer(429, `{"status":"error","message":"Too Many Requests"}`), true, nil},
		{"dial failure", failWith(dial), true, nil},
		{"503", jsonAnswer(503, `{"status":"error","message":"unavailable"}`), false, ErrServer},
		{"502", textAnswer(502, "<html>Bad Gateway</html>"), false, ErrServer},
		{"connection lost", failWith(lost), false, nil},
	}
	for _, op := range retryOps() {
		for _, f := range failures {
			t.Run(op.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				c, rec := newMockClient(t, answers{f.answer, jsonAnswer(200, answerBody(t, op.answer))})
				err := op.call(context.Background(), c)
				if op.safe || f.allRetry {
					require.NoError(t, err)
					assert.Len(t, rec.requests(), 2, "retried once")
					return
				}
				require.Error(t, err)
				if f.wantError != nil {
					assert.ErrorIs(t, err, f.wantError)
				}
				assert.Len(t, rec.requests(), 1, "not retried: the server may have processed it")
			})
		}
	}
}

// TestRetryTablesMatchCode checks the retry tables of the package
// documentation and of the README against retryOps, and that retryOps
// covers every API method of Client.
func TestRetryTablesMatchCode(t *testing.T) {
	t.Parallel()
	want := map[string]bool{} // name → safe
	for _, op := range retryOps() {
		want[op.name] = op.safe
	}

	// Every method of *Client that takes a context is an API operation.
	ct := reflect.TypeFor[*Client]()
	ctxType := reflect.TypeFor[context.Context]()
	for i := range ct.NumMethod() {
		m := ct.Method(i)
		if m.Type.NumIn() > 1 && m.Type.In(1) == ctxType {
			_, listed := want[m.Name]
			assert.True(t, listed, "method %s is missing from retryOps", m.Name)
		}
	}

	name := regexp.MustCompile(`\b[A-Z][a-z]+[A-Za-z]*\b`)

	// doc.go: the table after "Operation ... Retried after"; the second
	// group starts at "429 and dial failure only".
	src, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	docText := string(src)
	start := strings.Index(docText, "//\tOperation")
	require.GreaterOrEqual(t, start, 0, "doc.go has no retry table")
	table := docText[start:]
	table = table[:strings.Index(table, "\n//\n")]
	gotDoc := map[string]bool{}
	safe := true
	for _, line := range strings.Split(table, "\n")[1:] {
		if strings.Contains(line, "429 and dial failure only") {
			safe = false
		}
		for _, n := range name.FindAllString(line, -1) {
			if _, ok := want[n]; ok {
				gotDoc[n] = safe
			}
		}
	}
	assert.Equal(t, want, gotDoc, "doc.go's retry table")

	// README: a summary of the table (the table itself is the package
	// documentation's). Every operation it names as never repeated after a
	// network error must be one of the unsent class.
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	rtext := string(readme)
	i := strings.Index(rtext, "### Retries and rate limits")
	require.GreaterOrEqual(t, i, 0, "README has no retry section")
	rtext = rtext[i:]
	j := strings.Index(rtext, "never for")
	require.GreaterOrEqual(t, j, 0, "README's retry section names no operation that is never repeated")
	sentence := rtext[j:]
	sentence = sentence[:strings.Index(sentence, ".")]
	for _, m := range regexp.MustCompile("`([A-Za-z]+)`").FindAllStringSubmatch(sentence, -1) {
		if safe, ok := want[m[1]]; ok {
			assert.False(t, safe, "README says %s is never repeated, but it is in the safe class", m[1])
		}
	}
	assert.Contains(t, sentence, "sends or uploads", "README's retry section must say sends and uploads are never repeated")
}
