package tlpartner_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// fmtVerbs are the verbs every secret-holding value must survive.
var fmtVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"}

// renderings returns every way a program may print v: each fmt verb, the
// text and JSON slog handlers and encoding/json.
func renderings(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range fmtVerbs {
		out[verb] = fmt.Sprintf(verb, v)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("v", "v", v)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("v", "v", v)
	out["slog text"], out["slog json"] = text.String(), js.String()
	if b, err := json.Marshal(v); err == nil {
		out["json"] = string(b)
	}
	return out
}

// assertNoSecret fails when any rendering of v holds a secret, as it is
// or hex-encoded (as %x would print a string field).
func assertNoSecret(t *testing.T, name string, v any, secrets ...string) {
	t.Helper()
	for how, s := range renderings(v) {
		for _, secret := range secrets {
			for _, form := range []string{secret, hex.EncodeToString([]byte(secret)), strings.ToUpper(hex.EncodeToString([]byte(secret)))} {
				if strings.Contains(s, form) {
					t.Errorf("%s with %s shows the secret: %s", name, how, s)
				}
			}
			// A []byte field prints as a list of numbers.
			if nums := fmt.Sprint([]byte(secret)); strings.Contains(s, strings.Trim(nums, "[]")) {
				t.Errorf("%s with %s shows the secret's bytes: %s", name, how, s)
			}
		}
	}
}

// TestValuesNeverShowSecrets: every public value that holds a secret (the
// Partner Secret, a Public API token) formats safely as a value and as a
// pointer, with every fmt verb, in slog and in JSON. Before, fmt of a
// dereferenced Client with %s or %q printed the token (publicapi) and the
// secret's bytes (tlpartner): Format was defined on *Client only.
func TestValuesNeverShowSecrets(t *testing.T) {
	t.Parallel()
	const secret = "partner-secret-8b7c6d5e4f"
	fake := tlpartnertest.New(t, tlpartnertest.Options{})
	partner, err := fake.Client()
	require.NoError(t, err)
	ctx := context.Background()
	ws, err := partner.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "Acme", SeatsPurchased: 2})
	require.NoError(t, err)
	tok, err := partner.GetPublicAPIToken(ctx, ws.ID)
	require.NoError(t, err)
	pc, err := partner.PublicAPI(ctx, ws.ID)
	require.NoError(t, err)
	pool, err := partner.PublicAPIPool()
	require.NoError(t, err)
	_, err = pool.Get(ctx, ws.ID)
	require.NoError(t, err)
	cache := tlpartner.NewMemoryTokenCache()
	_, err = cache.Token(ctx, ws.ID, "", func(context.Context) (string, error) { return tok.Token, nil })
	require.NoError(t, err)

	own, err := tlpartner.NewClient("partner-1", secret)
	require.NoError(t, err)
	plain, err := publicapi.NewClient(tok.Token)
	require.NoError(t, err)
	verifier, err := webhooks.NewVerifier("partner-1", secret)
	require.NoError(t, err)
	handler, err := webhooks.NewHandler("partner-1", secret)
	require.NoError(t, err)

	secrets := []string{secret, tok.Token, fake.Secret()}
	for name, p := range map[string]any{
		"tlpartner.Client":           own,
		"tlpartner.Client (fake)":    partner,
		"publicapi.Client":           plain,
		"publicapi.Client (token)":   pc,
		"tlpartner.PublicAPIToken":   tok,
		"tlpartner.PublicAPIPool":    pool,
		"tlpartner.MemoryTokenCache": cache,
		"webhooks.Verifier":          verifier,
		"webhooks.Handler":           handler,
	} {
		assertNoSecret(t, "*"+name, p, secrets...)
		assertNoSecret(t, name, reflect.ValueOf(p).Elem().Interface(), secrets...)
	}
	assertNoSecret(t, "nil *tlpartner.Client", (*tlpartner.Client)(nil), secrets...)
	assertNoSecret(t, "nil *publicapi.Client", (*publicapi.Client)(nil), secrets...)
}
