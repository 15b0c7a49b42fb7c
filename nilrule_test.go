package tlpartner_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

type refusingTransport struct{}

func (refusingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("refusingTransport")
}

// TestNilOptionArgumentMeansDefault checks the module's one rule for
// options (doc.go, "Options"): a nil argument means the option's default,
// as if the option had not been given. Each nil below follows a non-nil
// value that would break the calls if it stayed in force (a clock at the
// epoch, a limiter of one request per 1000 s, a transport that refuses
// everything). Before, WithHTTPClient(nil), WithRateLimiter(nil),
// WithClock(nil), WithTokenSource(nil) and WithTokenCache(nil) were
// errors while WithLogger(nil) disabled logging.
func TestNilOptionArgumentMeansDefault(t *testing.T) {
	srv := tlpartnertest.New(t, tlpartnertest.Options{})
	epoch := func() time.Time { return time.Unix(0, 0) }
	refusing := &http.Client{Transport: refusingTransport{}}
	c, err := srv.Client(
		tlpartner.WithClock(epoch), tlpartner.WithClock(nil),
		tlpartner.WithRateLimit(0.001, 1), tlpartner.WithRateLimiter(nil),
		tlpartner.WithHTTPClient(refusing), tlpartner.WithHTTPClient(nil),
		tlpartner.WithLogger(nil),
	)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "nil-rule", SeatsPurchased: 2})
	require.NoError(t, err)
	for range 3 {
		_, err := c.GetWorkspace(ctx, ws.ID)
		require.NoError(t, err)
	}

	pc, err := c.PublicAPI(ctx, ws.ID,
		publicapi.WithRateLimit(0.001, 1), publicapi.WithRateLimiter(nil),
		publicapi.WithHTTPClient(refusing), publicapi.WithHTTPClient(nil),
		publicapi.WithTokenSource(nil), publicapi.WithLogger(nil))
	require.NoError(t, err)
	for range 3 {
		_, err := pc.ListWebhooks(ctx)
		require.NoError(t, err)
	}

	pool, err := c.PublicAPIPool(tlpartner.WithTokenCache(nil))
	require.NoError(t, err)
	defer pool.Close()
	_, err = pool.Get(ctx, ws.ID)
	require.NoError(t, err)

	v, err := webhooks.NewVerifier("partner-1", "s3cret-s3cret", webhooks.WithClock(epoch), webhooks.WithClock(nil))
	require.NoError(t, err)
	h, err := webhookstest.Signer{PartnerID: "partner-1", Secret: "s3cret-s3cret"}.Header()
	require.NoError(t, err)
	_, err = v.Verify(h)
	assert.NoError(t, err)
}
