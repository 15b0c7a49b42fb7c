package publicapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShared: clients made with one Shared option draw from one rate
// limiter (WithRateLimit(1, 1): the second client's first request cannot
// be sent within 200ms), while clients given WithRateLimit each get their
// own bucket; an invalid option or base URL is refused by Shared itself.
func TestShared(t *testing.T) {
	rec := &recorder{answers: []func(*http.Request) (*http.Response, error){jsonAnswer(200, `{"status":"ok","data":{"workspace_id":"w"}}`)}}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(rec.responder)
	base := []Option{WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: mt}), WithRateLimit(1, 1)}

	shared, err := Shared(base...)
	require.NoError(t, err)
	a, err := NewClient("token-a", shared)
	require.NoError(t, err)
	b, err := NewClient("token-b", shared)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = a.GetWorkspace(ctx)
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = b.GetWorkspace(short)
	assert.Error(t, err, "one bucket for both clients")
	assert.Len(t, rec.requests(), 1)

	c, err := NewClient("token-c", base...)
	require.NoError(t, err)
	d, err := NewClient("token-d", base...)
	require.NoError(t, err)
	_, err = c.GetWorkspace(ctx)
	require.NoError(t, err)
	_, err = d.GetWorkspace(short)
	assert.NoError(t, err, "separate options, separate buckets")

	for _, opts := range [][]Option{{WithRateLimit(0, 1)}, {WithBaseURL("ftp://x")}, {WithBaseURL("")}} {
		_, err := Shared(opts...)
		var ve *ValidationError
		assert.ErrorAs(t, err, &ve)
	}
	// Without WithHTTPClient the clients share one default transport.
	s, err := Shared()
	require.NoError(t, err)
	e, _ := NewClient("token-e", s)
	f, _ := NewClient("token-f", s)
	assert.Same(t, e.eng.HTTPClient().Transport, f.eng.HTTPClient().Transport)
}
