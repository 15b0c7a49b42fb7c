package tlpartner_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

// TestSecretsNeverLeak drives successes, errors and retries with Debug
// logging on and checks that neither the Partner Secret, nor any JWT that
// was sent, nor the Public API token appear in logs, errors or fmt output.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, m := newMock(t, tlpartner.WithLogger(logger))

	m.on(
		reply(t, 429, "error_rate_limited_429.json", "Retry-After", "0"),
		reply(t, 200, "api_token_get_200.json"),
	)
	tok, err := c.GetPublicAPIToken(bg, "acme")
	require.NoError(t, err)
	const pub = "tl_pub_0123456789abcdef0123456789abcdef"
	assert.Equal(t, pub, tok.Token)

	var errs []error
	m.on(reply(t, 401, "error_invalid_signature_401.json"))
	_, err = c.GetWorkspace(bg, "acme")
	errs = append(errs, err)
	m.on(reply(t, 502, "error_proxy_502.html"))
	_, err = c.RotatePublicAPIToken(bg, "acme")
	errs = append(errs, err)
	m.on(func(*http.Request) (*http.Response, error) { return nil, errors.New("connection reset by peer") })
	_, err = c.CreateWorkspace(bg, tlpartner.CreateWorkspaceParams{DisplayName: "acme", SeatsPurchased: 1})
	errs = append(errs, err)
	_, err = tlpartner.NewClient("p", "", tlpartner.WithLogger(logger))
	errs = append(errs, err)

	var tokens []string
	for _, r := range m.requests() {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		require.True(t, tok != "" && tok != r.Header.Get("Authorization"))
		tokens = append(tokens, tok)
	}
	require.True(t, len(tokens) >= 5, "expected several requests, got %d", len(tokens))

	var out strings.Builder
	for _, e := range errs {
		require.Error(t, e)
		fmt.Fprintf(&out, "%v|%+v|%#v|%s|%q\n", e, e, e, e, e)
	}
	fmt.Fprintf(&out, "%v|%+v|%#v|%s|%q\n", c, c, c, c, c)
	fmt.Fprintf(&out, "%v|%+v|%#v\n", *c, *c, *c) //nolint:govet // printing the value on purpose
	fmt.Fprintf(&out, "%v|%+v|%#v|%s\n", tok, tok, tok, tok)
	fmt.Fprintf(&out, "%v|%+v|%#v|%s\n", *tok, *tok, *tok, *tok)
	logger.Info("client", "client", c, "token", tok, "token_value", *tok)

	haystacks := map[string]string{"logs": logs.String(), "fmt and errors": out.String()}
	for where, h := range haystacks {
		assert.NotContains(t, h, testSecret, where)
		assert.NotContains(t, h, pub, where)
		for _, tk := range tokens {
			assert.NotContains(t, h, tk, where)
			// Not even the signature part alone.
			assert.NotContains(t, h, tk[strings.LastIndexByte(tk, '.')+1:], where)
		}
	}
	// The logs do carry the useful metadata.
	l := logs.String()
	for _, want := range []string{`"op":"GetPublicAPIToken"`, `"method":"GET"`, `"path":"/partner/api/v1/workspaces/acme/api-token"`, `"status":429`, `"status":200`, `"attempt":2`, `"msg":"tlpartner: retrying"`, `"partner_id":"acme-partner"`, `"secret":"[REDACTED]"`, `"token":"[REDACTED]"`} {
		assert.Contains(t, l, want)
	}
	assert.Contains(t, out.String(), `tlpartner.Client{PartnerID: "acme-partner", BaseURL: "https://partner.test/partner/api/v1", Secret: [REDACTED]}`)
	// GoString is what %#v would use without Format; it redacts as well.
	assert.Equal(t, c.String(), c.GoString())
	assert.Equal(t, tok.String(), tok.GoString())
	assert.NotContains(t, tok.GoString(), pub)
	assert.Contains(t, out.String(), `tlpartner.PublicAPIToken{WorkspaceID: "my-first-workspace", Token: [REDACTED]}`)
}

func TestLoggingIsOffByDefault(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, tlpartner.WithLogger(nil))
	m.on(reply(t, 200, "api_token_get_200.json"))
	_, err := c.GetPublicAPIToken(bg, "acme")
	require.NoError(t, err)
}

// A PublicAPIToken's JSON form must not carry the token: tokens never
// appear in the JSON of any value, so logging or storing the struct with
// encoding/json cannot leak it by accident.
func TestPublicAPITokenJSONRedacted(t *testing.T) {
	t.Parallel()
	const secret = "4d2d0239-e28c-4f4a-8a4d-3a3ca40056b8"
	tok := tlpartner.PublicAPIToken{WorkspaceID: "acme", Token: secret, RotatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	for name, v := range map[string]any{
		"value":    tok,
		"pointer":  &tok,
		"embedded": struct{ T tlpartner.PublicAPIToken }{tok},
		"slice":    []*tlpartner.PublicAPIToken{&tok},
	} {
		b, err := json.Marshal(v)
		require.NoError(t, err, name)
		assert.NotContains(t, string(b), secret, name)
		assert.Contains(t, string(b), `"token":"[REDACTED]"`, name)
		assert.Contains(t, string(b), `"workspace_id":"acme"`, name)
		assert.Contains(t, string(b), `"rotated_at":"2026-01-02T03:04:05Z"`, name)
	}
}
