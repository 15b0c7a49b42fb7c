package tlpartner_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientNewWebhookHandlerUsesClientCredentials(t *testing.T) {
	t.Parallel()
	c, err := tlpartner.NewClient("acme-partner", "s3cret-partner-key")
	require.NoError(t, err)
	h, err := c.NewWebhookHandler()
	require.NoError(t, err)

	var got *webhooks.APITokenRotated
	h.OnAPITokenRotated(func(_ context.Context, e *webhooks.APITokenRotated) error {
		got = e
		return nil
	})
	body := []byte(`{"workspace_id":"acme-co","partner_id":"acme-partner","event_type":"api_token:rotated",` +
		`"triggered_at":"2026-11-21T10:00:00Z","rotated_at":"2026-11-21T10:00:00Z"}`)

	// Signed with the client's secret: accepted and dispatched.
	good := webhookstest.Signer{PartnerID: "acme-partner", Secret: "s3cret-partner-key"}
	req, err := good.NewRequest(context.Background(), "http://127.0.0.1/hook", body)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	require.NotNil(t, got)
	assert.Equal(t, "acme-co", got.WorkspaceID)

	// Signed with another secret, or for another partner: rejected.
	for _, s := range []webhookstest.Signer{
		{PartnerID: "acme-partner", Secret: "another-key"},
		{PartnerID: "other-partner", Secret: "s3cret-partner-key"},
	} {
		req, err := s.NewRequest(context.Background(), "http://127.0.0.1/hook", body)
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusUnauthorized, rec.Code, "signer %s", s.PartnerID)
		assert.NotContains(t, rec.Body.String(), "s3cret-partner-key")
		assert.False(t, strings.Contains(rec.Body.String(), "another-key"))
	}
}
