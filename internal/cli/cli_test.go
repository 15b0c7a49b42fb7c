package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

// testEnv returns an Env with the given credentials and base URL, and
// buffers for its output.
func testEnv(baseURL, stdin string, terminal bool) (Env, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	vars := map[string]string{EnvPartnerID: "p1", EnvPartnerSecret: "s3cr3t-value", EnvBaseURL: baseURL, "XDG_CONFIG_HOME": "/nonexistent"}
	return Env{
		Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr,
		Getenv:     func(k string) string { return vars[k] },
		IsTerminal: func(any) bool { return terminal },
	}, &stdout, &stderr
}

func TestInterruptCancelsTheRequest(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // hangs until the client gives up
	}))
	defer srv.Close()
	env, stdout, stderr := testEnv(srv.URL, "", false)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel() // what Ctrl-C does through signal.NotifyContext
	}()
	begin := time.Now()
	code := Run(ctx, []string{"workspaces", "get", "acme"}, env)
	assert.Equal(t, ExitInterrupted, code)
	assert.Less(t, time.Since(begin), 5*time.Second)
	assert.Empty(t, stdout.String())
	assert.Equal(t, "tlpartner: interrupted\n", stderr.String())
}

func TestConfirmOnATerminal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		answer   string
		wantCode int
		wantHits int32
	}{
		{"y\n", ExitOK, 1},
		{"yes\n", ExitOK, 1},
		{"n\n", ExitUsage, 0},
		{"\n", ExitUsage, 0},
		{"", ExitUsage, 0},
	} {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"workspace_id":"acme","token":"tlpub_x","rotated_at":"2024-01-01T00:00:00Z"}`))
		}))
		env, _, stderr := testEnv(srv.URL, tc.answer, true)
		code := Run(context.Background(), []string{"token", "rotate", "acme"}, env)
		srv.Close()
		assert.Equal(t, tc.wantCode, code, "answer %q", tc.answer)
		assert.Equal(t, tc.wantHits, hits.Load(), "answer %q", tc.answer)
		assert.Contains(t, stderr.String(), "Continue? [y/N]")
	}
}

func TestNoTerminalNeedsYes(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	for _, args := range [][]string{{"qr", "acme", "7"}, {"token", "rotate", "acme"}, {"whatsapp", "disconnect", "acme", "7"},
		{"files", "delete", "f-1", "--workspace", "acme"}, {"webhooks", "delete", "7", "--workspace", "acme"}} {
		env, _, stderr := testEnv(srv.URL, "y\n", false)
		assert.Equal(t, ExitUsage, Run(context.Background(), args, env), "%v", args)
		assert.Contains(t, stderr.String(), "refusing without --yes")
	}
	assert.Zero(t, hits.Load())
}

func TestParseInterspersed(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	j := fs.Bool("json", false, "")
	n := fs.String("name", "", "")
	pos, err := parseInterspersed(fs, []string{"a", "--json", "b", "--name", "x", "--", "--c", "-d"})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "--c", "-d"}, pos)
	assert.True(t, *j)
	assert.Equal(t, "x", *n)
}

func TestLeavesListsEveryCommand(t *testing.T) {
	t.Parallel()
	leaves := Leaves()
	for _, want := range []string{"workspaces create", "workspaces get", "workspaces update", "users create", "qr",
		"token get", "token rotate", "token mint", "whatsapp disconnect", "trigger", "verify", "config set", "fake",
		"send", "chats list", "messages list", "messages get", "messages status", "files upload", "files list", "files get",
		"files delete", "webhooks list", "webhooks create", "webhooks update", "webhooks delete", "version"} {
		assert.Contains(t, leaves, want)
	}
}

func TestUnverifiedTimes(t *testing.T) {
	t.Parallel()
	nbf, exp := unverifiedTimes("Bearer eyJhbGciOiJIUzI1NiJ9.eyJuYmYiOjEwMCwiZXhwIjoyMDB9.x")
	assert.Equal(t, int64(100), nbf.Unix())
	assert.Equal(t, int64(200), exp.Unix())
	nbf, exp = unverifiedTimes("garbage")
	assert.True(t, nbf.IsZero() && exp.IsZero())
}

func TestConfigSetPromptsOnATerminal(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir) // os.UserConfigDir reads the process environment
	t.Setenv("HOME", dir)
	env, stdout, _ := testEnv("", "", true)
	var prompt string
	env.ReadSecret = func(ctx context.Context, p string) (string, error) { prompt = p; return "typed-secret", nil }
	require.Equal(t, ExitOK, Run(context.Background(), []string{"config", "set", "--profile", "t", "--partner-id", "p9"}, env))
	assert.Equal(t, "Partner Secret for p9 (input hidden): ", prompt)
	assert.NotContains(t, stdout.String(), "typed-secret")
	path, err := configPath()
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"partner_secret": "typed-secret"`)

	// Ctrl-C at the prompt: interrupted, nothing saved.
	ctx, cancel := context.WithCancel(context.Background())
	env.ReadSecret = func(ctx context.Context, p string) (string, error) { cancel(); <-ctx.Done(); return "", ctx.Err() }
	assert.Equal(t, ExitInterrupted, Run(ctx, []string{"config", "set", "--profile", "u", "--partner-id", "p9"}, env))
	b, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(b), `"u"`)
}

// TestClockSkewHint: a 401 timestamp_out_of_range (the Partner API's answer
// to a token minted on a machine whose clock is off) shows the code, the
// request ID and a hint to check the clock, in both output forms.
func TestClockSkewHint(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-skew-1")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"timestamp_out_of_range","status":401,"description":"token has expired (exp)"}`))
	}))
	defer srv.Close()
	env, stdout, stderr := testEnv(srv.URL, "", false)
	require.Equal(t, ExitFailure, Run(context.Background(), []string{"workspaces", "get", "acme"}, env))
	assert.Empty(t, stdout.String())
	assert.Contains(t, stderr.String(), "code:       timestamp_out_of_range")
	assert.Contains(t, stderr.String(), "status:     401 Unauthorized")
	assert.Contains(t, stderr.String(), "request id: req-skew-1")
	assert.Regexp(t, `hint: .*check this machine's clock`, stderr.String())
	assert.NotContains(t, stderr.String(), "s3cr3t-value")

	env, _, stderr = testEnv(srv.URL, "", false)
	require.Equal(t, ExitFailure, Run(context.Background(), []string{"--json", "workspaces", "get", "acme"}, env))
	var doc errorJSON
	require.NoError(t, json.Unmarshal(stderr.Bytes(), &doc), stderr.String())
	assert.Equal(t, "timestamp_out_of_range", doc.Error.Code)
	assert.Equal(t, "req-skew-1", doc.Error.RequestID)
	assert.Equal(t, 401, doc.Error.StatusCode)
	assert.Contains(t, doc.Error.Hint, "clock")
}

// TestCLINames: a *ValidationError from the SDK names the flag or argument
// the user typed, not the Go field, for the Public API commands too.
func TestCLINames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ path, field, want string }{
		{"workspaces create", "CreateWorkspaceParams.SeatsPurchased", "--seats"},
		{"webhooks create", "CreateWebhookParams.URL", "--url"},
		{"webhooks create", "CreateWebhookParams.EventType", "--event-type"},
		{"webhooks update", "UpdateWebhookParams.URL", "--url"},
		{"webhooks update", "UpdateWebhookParams.EventType", "--event-type"},
		{"webhooks update", "webhookID", "WEBHOOK_ID"},
		{"send", "phone", "--phone"},
		{"send", "jid", "--jid"},
		{"send", "chatID", "--chat"},
		{"send", "SendParams.Label", "--label"},
		{"send", "SendParams.FileUID", "--file-uid"},
		{"send", "SendParams.ReplyTo", "--reply-to"},
		{"send", "SendParams.WhatsAppAccountPhone", "--from"},
		{"send", "SendParams.WhatsAppAccountID", "--from-account"},
		{"send", "SendParams.ChatName", "--chat-name"},
		{"send", "UploadFileParams.ContentType", "--content-type"},
		{"files upload", "UploadFileParams.ContentType", "--content-type"},
		{"chats list", "ListChatsParams.Phone", "--phone"},
		{"chats list", "ListChatsParams.Name", "--name"},
		{"chats list", "ListChatsParams.Labels[1]", "--label"},
		{"chats list", "ListChatsParams.Responsible[0]", "--responsible"},
		{"messages list", "chatID", "CHAT_ID"},
		{"messages get", "messageUID", "MESSAGE_UID"},
		{"files get", "fileUID", "FILE_UID"},
		{"files upload", "filename", "PATH"},
		{"workspaces get", "SomethingElse", "SomethingElse"},
	} {
		assert.Equal(t, tc.want, cliName(tc.path, tc.field), "%s: %s", tc.path, tc.field)
	}
}

// TestStreamList: rows as they come, one JSON array even when the listing
// fails half way, and the "empty" line only for a listing that succeeded.
func TestStreamList(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	seq := func(n int, fail bool) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			for i := range n {
				if !yield(i+1, nil) {
					return
				}
			}
			if fail {
				yield(0, boom)
			}
		}
	}
	run := func(jsonOut bool, s iter.Seq2[int, error], limit int) (string, error) {
		env, stdout, _ := testEnv("", "", false)
		a := &app{env: env, g: globals{json: jsonOut}}
		err := streamList(a, s, limit, "none", func(i int) map[string]int { return map[string]int{"n": i} },
			[]string{"N"}, func(o map[string]int) []string { return []string{strconv.Itoa(o["n"])} })
		return stdout.String(), err
	}
	out, err := run(false, seq(3, false), 2)
	require.NoError(t, err)
	assert.Equal(t, "N\n1\n2\n", out)
	out, err = run(false, seq(0, false), 0)
	require.NoError(t, err)
	assert.Equal(t, "none\n", out)
	out, err = run(false, seq(0, true), 0)
	assert.ErrorIs(t, err, boom)
	assert.Empty(t, out)
	for _, tc := range []struct {
		n    int
		fail bool
		want []map[string]int
	}{{0, false, []map[string]int{}}, {0, true, []map[string]int{}}, {2, true, []map[string]int{{"n": 1}, {"n": 2}}}} {
		out, _ = run(true, seq(tc.n, tc.fail), 0)
		var got []map[string]int
		require.NoError(t, json.Unmarshal([]byte(out), &got), out)
		assert.Equal(t, tc.want, got)
	}
}

// TestSendReplyToPhoneSaysWhatTheSDKSays: the CLI runs the SDK's own send
// checks before any request, so --reply-to on a phone send is refused in
// the SDK's words with the flag's name, and nothing is sent (not even the
// token fetch).
func TestSendReplyToPhoneSaysWhatTheSDKSays(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	sdkErr := publicapi.ValidateSendToPhone("+14155550100", publicapi.SendParams{Text: publicapi.Ptr("hi"), ReplyTo: publicapi.Ptr("m-0")})
	var ve *publicapi.ValidationError
	require.ErrorAs(t, sdkErr, &ve)
	for _, args := range [][]string{
		{"send", "--workspace", "acme", "--phone", "+14155550100", "--text", "hi", "--reply-to", "m-0"},
		{"send", "--workspace", "acme", "--phone", "+14155550100", "--file", "/nonexistent/a.pdf", "--reply-to", "m-0"},
	} {
		env, _, stderr := testEnv(srv.URL, "", false)
		assert.Equal(t, ExitUsage, Run(context.Background(), args, env), "%v", args)
		assert.Equal(t, "tlpartner: invalid --reply-to: "+ve.Reason+"\n", stderr.String())
	}
	assert.Zero(t, hits.Load())
}

// TestJSONOutputUsesAPINames: --json prints the API's field names, the json
// tags of the publicapi types (it printed chat_id for a chat's id,
// message_uid for a message's uid, file_uid, webhook_id).
func TestJSONOutputUsesAPINames(t *testing.T) {
	t.Parallel()
	keys := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			out = append(out, name)
		}
		return out
	}
	for _, pair := range [][2]any{
		{chatOut{}, publicapi.Chat{}},
		{messageOut{}, publicapi.Message{}},
		{fileOut{}, publicapi.File{}},
		{webhookOut{}, publicapi.Webhook{}},
		{workspaceOut{}, tlpartner.Workspace{}},
		{suspendedOut{}, tlpartner.SuspendedMember{}},
		{detailsOut{}, tlpartner.WorkspaceDetails{}},
		{quotaOut{}, tlpartner.Quota{}},
		{nonRecurring{}, tlpartner.NonRecurringQuota{}},
		{userOut{}, tlpartner.User{}},
		{accountOut{}, tlpartner.WhatsAppAccount{}},
		{qrLinkOut{}, tlpartner.QRLink{}},
	} {
		api := keys(pair[1])
		if _, ok := pair[0].(workspaceOut); ok {
			// The API's flat pair that tlpartner.Workspace.Seats is
			// built from.
			api = append(api, "seats_total", "seats_available")
		}
		for _, k := range keys(pair[0]) {
			assert.Contains(t, api, k, "%T prints %q, which is not a field name of %T", pair[0], k, pair[1])
		}
	}
}

// TestUploadBadInputSendsNothing: a bad --content-type or a --file that
// cannot be read is refused before any request, not even the token fetch,
// for both send --file and files upload.
func TestUploadBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	good := t.TempDir() + "/a.pdf"
	require.NoError(t, os.WriteFile(good, []byte("%PDF-1.4"), 0o600))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"send", "--workspace", "acme", "--phone", "+14155550100", "--file", good, "--content-type", "not a type"}, "invalid --content-type"},
		{[]string{"files", "upload", "--workspace", "acme", "--content-type", "not a type", good}, "invalid --content-type"},
		{[]string{"send", "--workspace", "acme", "--phone", "+14155550100", "--file", "/nonexistent/a.pdf"}, "/nonexistent/a.pdf"},
		{[]string{"files", "upload", "--workspace", "acme", "/nonexistent/a.pdf"}, "/nonexistent/a.pdf"},
		{[]string{"files", "upload", "--workspace", "acme", t.TempDir()}, "is a directory"},
	} {
		env, _, stderr := testEnv(srv.URL, "", false)
		assert.Equal(t, ExitUsage, Run(context.Background(), tc.args, env), "%v", tc.args)
		assert.Contains(t, stderr.String(), tc.want, "%v", tc.args)
	}
	assert.Zero(t, hits.Load(), "requests sent for bad input")
}
