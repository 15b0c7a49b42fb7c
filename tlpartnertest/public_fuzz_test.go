package tlpartnertest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// FuzzPublicAPI sends arbitrary methods, paths and bodies to the fake's
// Public API with a valid token. Whatever comes in, the answer is a JSON
// envelope with "status" "ok" or "error" (an error carries a message) and
// never a 5xx: a panic in a handler would abort the connection, which the
// client sees as an error.
func FuzzPublicAPI(f *testing.F) {
	srv := tlpartnertest.New(f, tlpartnertest.Options{MaxFileSize: 4 << 10, Logf: func(string, ...any) {}})
	ctx := context.Background()
	c, err := srv.Client()
	if err != nil {
		f.Fatal(err)
	}
	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "fuzz", SeatsPurchased: 3})
	if err != nil {
		f.Fatal(err)
	}
	users, err := c.CreateUsers(ctx, ws.ID, 1)
	if err != nil {
		f.Fatal(err)
	}
	qr, err := c.GenerateQR(ctx, ws.ID, users.Users[0].ID, tlpartner.GenerateQRParams{})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := srv.SimulateScan(qr.URL, "+31612345678"); err != nil {
		f.Fatal(err)
	}
	in, err := srv.SimulateIncomingMessage(ws.ID, "+4915112345678", "hello")
	if err != nil {
		f.Fatal(err)
	}
	tok, err := c.GetPublicAPIToken(ctx, ws.ID)
	if err != nil {
		f.Fatal(err)
	}
	chat := fmt.Sprint(in.ChatID)
	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	seeds := []struct {
		method     uint8
		path, body string
	}{
		{1, "/messages", `{"phone":"+4915112345678","text":"hi"}`},
		{1, "/messages", `{"phone":"+4915112345678","text":"hi","file_uid":null,"reply_to":123}`},
		{1, "/messages/to_jid", `{"jid":"4915112345678@s.whatsapp.net","text":"x","reply_to":"` + in.MessageUID + `"}`},
		{1, "/messages/to_chat_name", `{"chat_name":"+4915112345678","text":"x"}`},
		{1, "/chats/" + chat + "/messages", `{"text":"x","attachment_template_id":99999999999999999999}`},
		{1, "/chats/" + chat + "/notes", `{"text":""}`},
		{1, "/chats/" + chat + "/voice_message", "--x\r\n"},
		{3, "/messages/" + in.MessageUID + "/reactions", `{"reaction":"👍"}`},
		{2, "/messages/" + in.MessageUID + "/reactions", `{"reaction":null}`},
		{0, "/messages/" + in.MessageUID + "/status_history", ""},
		{0, "/chats?page=-1&read=maybe&created_after=yesterday", ""},
		{0, "/chats?page=99999999999999999999", ""},
		{0, "/chats/" + chat + "/messages?after_message=nope&sorting_order=sideways", ""},
		{3, "/chats/" + chat, `{"responsible":5,"closed":"yes","name":["a"]}`},
		{2, "/chats/" + chat + "/labels", `{"labels":"vip"}`},
		{1, "/chats/" + chat + "/labels", `{"labels":[null,1,{}]}`},
		{1, "/files", `{"download_url":"ftp://x","filename":""}`},
		{1, "/files_upload", "not multipart"},
		{4, "/files/nope", ""},
		{1, "/workspace/invitations", `{"email":"a@b.test","role":"admin","first_name":1}`},
		{4, "/workspace/invitations/-1", ""},
		{1, "/webhooks", `{"event_type":"message:new","url":"https://example.test/h","enabled":"no"}`},
		{2, "/webhooks/789001", `{"url":"","event_type":""}`},
		{0, "/workspace", ""},
		{0, "/../partner/api/v1/workspaces", ""},
		{1, "/messages", `{"phone":"` + strings.Repeat("9", 300) + `","text":"x"}`},
		{1, "/messages", "\x00\xff{"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method uint8, path string, body []byte) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		if strings.ContainsFunc(path, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			t.Skip("net/http answers a request line with spaces or controls itself")
		}
		req, err := http.NewRequest(methods[int(method)%len(methods)], srv.PublicAPIURL()+path, strings.NewReader(string(body)))
		if err != nil {
			t.Skip("not a request URL")
		}
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %q: %v (did the handler panic?)", req.Method, path, err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %q %q: %d %s", req.Method, path, body, resp.StatusCode, raw)
		}
		if resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusTemporaryRedirect {
			return // net/http's path cleaning, before the fake sees the request
		}
		var env struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatalf("%s %q %q: %d, not a JSON envelope: %q", req.Method, path, body, resp.StatusCode, raw)
		}
		switch {
		case resp.StatusCode == 200 && env.Status == "ok":
		case resp.StatusCode >= 400 && env.Status == "error" && env.Message != "":
		default:
			t.Fatalf("%s %q %q: %d %s", req.Method, path, body, resp.StatusCode, raw)
		}
	})
}
