package tlpartner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlhttp"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// opObserver records each operation as "api.Name@workspace".
type opObserver struct {
	mu  sync.Mutex
	ops []string
}

func (o *opObserver) StartOperation(ctx context.Context, op tlhttp.Operation) (context.Context, func(tlhttp.ResponseMeta, error)) {
	o.mu.Lock()
	o.ops = append(o.ops, fmt.Sprintf("%s.%s@%s", op.API, op.Name, op.WorkspaceID))
	o.mu.Unlock()
	return ctx, func(tlhttp.ResponseMeta, error) {}
}

func (o *opObserver) take() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.ops
	o.ops = nil
	return out
}

// TestOperationWorkspaceID: observers (and so tlotel's spans) and logs
// learn which workspace each call acts on: a Partner API call's
// workspace_id, and the workspace of a Public API client opened by
// PublicAPI or PublicAPIPool. CreateWorkspace and a bare-token client name
// none.
func TestOperationWorkspaceID(t *testing.T) {
	ctx := context.Background()
	srv := tlpartnertest.New(t, tlpartnertest.Options{Logf: func(string, ...any) {}})
	obs := &opObserver{}
	partner, err := srv.Client(tlpartner.WithObserver(obs))
	require.NoError(t, err)

	ws, err := partner.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "acme", SeatsPurchased: 2})
	require.NoError(t, err)
	_, err = partner.GetWorkspace(ctx, ws.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"tlpartner.CreateWorkspace@", "tlpartner.GetWorkspace@" + ws.ID}, obs.take())

	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	pc, err := partner.PublicAPI(ctx, ws.ID, publicapi.WithObserver(obs), publicapi.WithLogger(logger))
	require.NoError(t, err)
	assert.Equal(t, ws.ID, pc.WorkspaceID())
	_, err = pc.ListWebhooks(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"tlpartner.GetPublicAPIToken@" + ws.ID, "publicapi.ListWebhooks@" + ws.ID}, obs.take())
	assert.Contains(t, logs.String(), `"workspace_id":"`+ws.ID+`"`)

	pool, err := partner.PublicAPIPool(tlpartner.WithPublicAPIOptions(publicapi.WithObserver(obs)))
	require.NoError(t, err)
	defer pool.Close()
	pooled, err := pool.Get(ctx, ws.ID)
	require.NoError(t, err)
	assert.Equal(t, ws.ID, pooled.WorkspaceID())
	_, err = pooled.ListWebhooks(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"tlpartner.GetPublicAPIToken@" + ws.ID, "publicapi.ListWebhooks@" + ws.ID}, obs.take())

	tok, err := partner.GetPublicAPIToken(ctx, ws.ID)
	require.NoError(t, err)
	bare, err := publicapi.NewClient(tok.Token, publicapi.WithBaseURL(srv.PublicAPIURL()), publicapi.WithObserver(obs))
	require.NoError(t, err)
	_, err = bare.ListWebhooks(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"tlpartner.GetPublicAPIToken@" + ws.ID, "publicapi.ListWebhooks@"}, obs.take())
	assert.Empty(t, bare.WorkspaceID())
}

// TestWithWorkspaceIDValidation: an ID that could not name a workspace is
// refused when the client is made; an empty one means none.
func TestWithWorkspaceIDValidation(t *testing.T) {
	for _, id := range []string{"a/b", "a\nb", "\xff"} {
		_, err := publicapi.NewClient("tok", publicapi.WithWorkspaceID(id))
		var ve *publicapi.ValidationError
		require.ErrorAs(t, err, &ve, "%q", id)
		assert.Equal(t, "WithWorkspaceID", ve.Field)
	}
	c, err := publicapi.NewClient("tok", publicapi.WithWorkspaceID(""))
	require.NoError(t, err)
	assert.Empty(t, c.WorkspaceID())
}

// TestClientShowsItsWorkspace: a pooled client says which workspace it
// serves when printed, logged or encoded, and still never its token.
func TestClientShowsItsWorkspace(t *testing.T) {
	c, err := publicapi.NewClient("tok-SECRET-123", publicapi.WithWorkspaceID("acme"), publicapi.WithBaseURL("https://api.example.com"))
	require.NoError(t, err)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "client", c)
	js, err := json.Marshal(c)
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", c), logs.String(), string(js)} {
		assert.Contains(t, s, "acme")
		assert.NotContains(t, s, "SECRET")
	}
	bare, err := publicapi.NewClient("tok-SECRET-123")
	require.NoError(t, err)
	assert.NotContains(t, fmt.Sprint(bare), "WorkspaceID")
}
