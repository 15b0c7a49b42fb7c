package tlpartner_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestValidationSendsNothing checks every input rule: the call fails with a
// *ValidationError naming the field, matches ErrInvalidRequest, and no
// request reaches the transport.
func TestValidationSendsNothing(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ü", tlpartner.MaxDisplayNameLength+1)
	maxName := strings.Repeat("ü", tlpartner.MaxDisplayNameLength)
	cases := []struct {
		name  string
		field string
		call  func(c *tlpartner.Client) error
	}{
		{"create empty name", "CreateWorkspaceParams.DisplayName", func(c *tlpartner.Client) error {
			_, err := c.CreateWorkspace(bg, tlpartner.CreateWorkspaceParams{SeatsPurchased: 1})
			return err
		}},
		{"create blank name", "CreateWorkspaceParams.DisplayName", func(c *tlpartner.Client) error {
			_, err := c.CreateWorkspace(bg, tlpartner.CreateWorkspaceParams{DisplayName: "  \t", SeatsPurchased: 1})
			return err
		}},
		{"create long name", "CreateWorkspaceParams.DisplayName", func(c *tlpartner.Client) error {
			_, err := c.CreateWorkspace(bg, tlpartner.CreateWorkspaceParams{DisplayName: long, SeatsPurchased: 1})
			return err
		}},
		{"create invalid utf8", "CreateWorkspaceParams.DisplayName", func(c *tlpartner.Client) error {
			_, err := c.CreateWorkspace(bg, tlpartner.CreateWorkspaceParams{DisplayName: "a\xffb", SeatsPurchased: 1})
			return err
		}},
		{"create zero seats", "CreateWorkspaceParams.SeatsPurchased", func(c *tlpartner.Client) error {
			_, err := c.CreateWorkspace(bg, tlpartner.CreateWorkspaceParams{DisplayName: "acme"})
			return err
		}},
		{"create 1000 seats", "CreateWorkspaceParams.SeatsPurchased", func(c *tlpartner.Client) error {
			_, err := c.CreateWorkspace(bg, tlpartner.CreateWorkspaceParams{DisplayName: "acme", SeatsPurchased: 1000})
			return err
		}},
		{"get empty id", "workspaceID", func(c *tlpartner.Client) error {
			_, err := c.GetWorkspace(bg, "")
			return err
		}},
		{"get slash id", "workspaceID", func(c *tlpartner.Client) error {
			_, err := c.GetWorkspace(bg, "a b/c?")
			return err
		}},
		{"get invalid utf8 id", "workspaceID", func(c *tlpartner.Client) error {
			_, err := c.GetWorkspace(bg, "ws\xff")
			return err
		}},
		{"get dot-dot id", "workspaceID", func(c *tlpartner.Client) error {
			_, err := c.GetWorkspace(bg, "..")
			return err
		}},
		{"update empty id", "workspaceID", func(c *tlpartner.Client) error {
			_, err := c.UpdateWorkspace(bg, "", tlpartner.UpdateWorkspaceParams{SeatsPurchased: tlpartner.Ptr(2)})
			return err
		}},
		{"update nothing", "UpdateWorkspaceParams", func(c *tlpartner.Client) error {
			_, err := c.UpdateWorkspace(bg, "acme", tlpartner.UpdateWorkspaceParams{})
			return err
		}},
		{"update empty name", "UpdateWorkspaceParams.DisplayName", func(c *tlpartner.Client) error {
			_, err := c.UpdateWorkspace(bg, "acme", tlpartner.UpdateWorkspaceParams{DisplayName: tlpartner.Ptr("")})
			return err
		}},
		{"update long name", "UpdateWorkspaceParams.DisplayName", func(c *tlpartner.Client) error {
			_, err := c.UpdateWorkspace(bg, "acme", tlpartner.UpdateWorkspaceParams{DisplayName: &long})
			return err
		}},
		{"update 0 seats", "UpdateWorkspaceParams.SeatsPurchased", func(c *tlpartner.Client) error {
			_, err := c.UpdateWorkspace(bg, "acme", tlpartner.UpdateWorkspaceParams{SeatsPurchased: tlpartner.Ptr(0)})
			return err
		}},
		{"update 1000 seats", "UpdateWorkspaceParams.SeatsPurchased", func(c *tlpartner.Client) error {
			_, err := c.UpdateWorkspace(bg, "acme", tlpartner.UpdateWorkspaceParams{SeatsPurchased: tlpartner.Ptr(1000)})
			return err
		}},
		{"users empty id", "workspaceID", func(c *tlpartner.Client) error {
			_, err := c.CreateUsers(bg, "", 1)
			return err
		}},
		{"users 0", "count", func(c *tlpartner.Client) error {
			_, err := c.CreateUsers(bg, "acme", 0)
			return err
		}},
		{"users 100", "count", func(c *tlpartner.Client) error {
			_, err := c.CreateUsers(bg, "acme", 100)
			return err
		}},
		{"qr empty id", "workspaceID", func(c *tlpartner.Client) error {
			_, err := c.GenerateQR(bg, "", 1, tlpartner.GenerateQRParams{})
			return err
		}},
		{"qr user 0", "userID", func(c *tlpartner.Client) error {
			_, err := c.GenerateQR(bg, "acme", 0, tlpartner.GenerateQRParams{})
			return err
		}},
		{"qr user -1", "userID", func(c *tlpartner.Client) error {
			_, err := c.GenerateQR(bg, "acme", -1, tlpartner.GenerateQRParams{})
			return err
		}},
		{"qr 0 hours", "GenerateQRParams.ExpiresInHours", func(c *tlpartner.Client) error {
			_, err := c.GenerateQR(bg, "acme", 1, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(0)})
			return err
		}},
		{"qr 169 hours", "GenerateQRParams.ExpiresInHours", func(c *tlpartner.Client) error {
			_, err := c.GenerateQR(bg, "acme", 1, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(169)})
			return err
		}},
		{"disconnect empty id", "workspaceID", func(c *tlpartner.Client) error {
			_, err := c.DisconnectWhatsApp(bg, "", 1)
			return err
		}},
		{"disconnect user 0", "userID", func(c *tlpartner.Client) error {
			_, err := c.DisconnectWhatsApp(bg, "acme", 0)
			return err
		}},
		{"token empty id", "workspaceID", func(c *tlpartner.Client) error {
			_, err := c.GetPublicAPIToken(bg, "")
			return err
		}},
		{"rotate slash id", "workspaceID", func(c *tlpartner.Client) error {
			_, err := c.RotatePublicAPIToken(bg, "a/b")
			return err
		}},
		{"nil context", "ctx", func(c *tlpartner.Client) error {
			var ctx context.Context // a nil context must not panic
			_, err := c.GetWorkspace(ctx, "acme")
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t)
			err := tc.call(c)
			var ve *tlpartner.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.ErrorIs(t, err, tlpartner.ErrInvalidRequest)
			assert.True(t, strings.HasPrefix(err.Error(), "tlpartner: invalid "+tc.field+": "), err.Error())
			assert.Empty(t, m.requests(), "no request may be sent")
		})
	}

	// The permissive bounds are accepted.
	t.Run("bounds accepted", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t)
		m.on(reply(t, 201, "workspace_create_201.json"))
		_, err := c.CreateWorkspace(bg, tlpartner.CreateWorkspaceParams{DisplayName: maxName, SeatsPurchased: tlpartner.MaxSeats})
		require.NoError(t, err)
		m.on(reply(t, 201, "users_create_201.json"))
		_, err = c.CreateUsers(bg, "acme", tlpartner.MaxUsersPerCall)
		require.NoError(t, err)
		m.on(reply(t, 200, "qr_200.json"))
		_, err = c.GenerateQR(bg, "acme", 1, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(168)})
		require.NoError(t, err)
		_, err = c.GenerateQR(bg, "acme", 1, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(1)})
		require.NoError(t, err)
		assert.Len(t, m.requests(), 4)
	})
}

func TestNewClientValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, id, secret, field string
		opts                    []tlpartner.Option
	}{
		{"empty id", "", "s", "partnerID", nil},
		{"empty secret", "p", "", "partnerSecret", nil},
		{"relative base", "p", "s", "WithBaseURL", []tlpartner.Option{tlpartner.WithBaseURL("/partner/api/v1")}},
		{"ftp base", "p", "s", "WithBaseURL", []tlpartner.Option{tlpartner.WithBaseURL("ftp://x/y")}},
		{"no host", "p", "s", "WithBaseURL", []tlpartner.Option{tlpartner.WithBaseURL("https:///x")}},
		{"query base", "p", "s", "WithBaseURL", []tlpartner.Option{tlpartner.WithBaseURL("https://x/y?z=1")}},
		{"userinfo base", "p", "s", "WithBaseURL", []tlpartner.Option{tlpartner.WithBaseURL("https://u:pw@x/y")}},
		{"bad url", "p", "s", "WithBaseURL", []tlpartner.Option{tlpartner.WithBaseURL("https://x/%zz")}},
		{"ua control char", "p", "s", "WithUserAgent", []tlpartner.Option{tlpartner.WithUserAgent("a\r\nX-Evil: 1")}},
		{"negative retries", "p", "s", "WithMaxRetries", []tlpartner.Option{tlpartner.WithMaxRetries(-1)}},
		{"negative policy", "p", "s", "RetryPolicy.MaxRetries", []tlpartner.Option{tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxRetries: -1})}},
		{"negative delay", "p", "s", "RetryPolicy.BaseDelay", []tlpartner.Option{tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{BaseDelay: -1})}},
		{"negative max delay", "p", "s", "RetryPolicy.MaxDelay", []tlpartner.Option{tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxDelay: -1})}},
		{"negative max retry-after", "p", "s", "RetryPolicy.MaxRetryAfter", []tlpartner.Option{tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxRetryAfter: -1})}},
		{"short lifetime", "p", "s", "WithTokenLifetime", []tlpartner.Option{tlpartner.WithTokenLifetime(time.Millisecond)}},
		{"long lifetime", "p", "s", "WithTokenLifetime", []tlpartner.Option{tlpartner.WithTokenLifetime(2 * time.Hour)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := tlpartner.NewClient(tc.id, tc.secret, tc.opts...)
			assert.Nil(t, c)
			var ve *tlpartner.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
		})
	}
}

func TestNewClientDefaultsAndOptions(t *testing.T) {
	t.Parallel()
	c, err := tlpartner.NewClient("p", "s")
	require.NoError(t, err)
	assert.Equal(t, tlpartner.DefaultBaseURL, c.BaseURL())
	assert.Equal(t, "p", c.PartnerID())

	c, err = tlpartner.NewClient("p", "s", tlpartner.WithBaseURL("http://127.0.0.1:8080/partner/api/v1///"), nil)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/partner/api/v1", c.BaseURL())

	// Last option wins.
	c, err = tlpartner.NewClient("p", "s", tlpartner.WithBaseURL("https://a.test"), tlpartner.WithBaseURL("https://b.test/v1/"))
	require.NoError(t, err)
	assert.Equal(t, "https://b.test/v1", c.BaseURL())

	assert.Equal(t, tlpartner.RetryPolicy{MaxRetries: 2, BaseDelay: time.Second, MaxDelay: 16 * time.Second, MaxRetryAfter: 16 * time.Second}, tlpartner.DefaultRetryPolicy())
}

// TestWithHTTPClientIsCopied checks that changing the caller's http.Client
// after NewClient does not affect the SDK.
func TestWithHTTPClientIsCopied(t *testing.T) {
	t.Parallel()
	c, m := newMock(t)
	_ = c
	hc := &http.Client{Transport: m.mt}
	c2, err := tlpartner.NewClient(testPartnerID, testSecret, tlpartner.WithBaseURL(testBase), tlpartner.WithHTTPClient(hc),
		tlpartner.WithClock(func() time.Time { return testNow }))
	require.NoError(t, err)
	hc.Transport = roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("caller's later transport must not be used")
	})
	m.on(reply(t, 200, "api_token_get_200.json"))
	_, err = c2.GetPublicAPIToken(bg, "acme")
	require.NoError(t, err)
	m.only()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestEmbedURL(t *testing.T) {
	t.Parallel()
	ok := map[string]string{
		"https://app.timelines.ai/qr/abcdef123456":                "https://app.timelines.ai/qr/abcdef123456?display_mode=embedding",
		"https://app.timelines.ai/qr/abc?lang=en":                 "https://app.timelines.ai/qr/abc?lang=en&display_mode=embedding",
		"https://app.timelines.ai/qr/abc?z=1&sig=a%2Fb+c%20d&a=2": "https://app.timelines.ai/qr/abc?z=1&sig=a%2Fb+c%20d&a=2&display_mode=embedding",
		"https://app.timelines.ai/qr/abc?a=1&display_mode=x&b":    "https://app.timelines.ai/qr/abc?a=1&b&display_mode=embedding",
		"https://app.timelines.ai/qr/abc?":                        "https://app.timelines.ai/qr/abc?display_mode=embedding",
		"https://app.timelines.ai/qr/abc?&&x=1&":                  "https://app.timelines.ai/qr/abc?x=1&display_mode=embedding",
		"https://app.timelines.ai/qr/abc?display_mode=standalone": "https://app.timelines.ai/qr/abc?display_mode=embedding",
		"http://127.0.0.1:5555/qr/tok":                            "http://127.0.0.1:5555/qr/tok?display_mode=embedding",
		"http://localhost/qr/tok":                                 "http://localhost/qr/tok?display_mode=embedding",
		"http://[::1]:80/qr/tok":                                  "http://[::1]:80/qr/tok?display_mode=embedding",
		"https://app.timelines.ai/qr/abc#frag":                    "https://app.timelines.ai/qr/abc?display_mode=embedding#frag",
	}
	for in, want := range ok {
		got, err := tlpartner.EmbedURL(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "qr/abc", "http://app.timelines.ai/qr/abc", "javascript:alert(1)", "ftp://x/qr", "http://10.0.0.1/qr", "%zz"} {
		_, err := tlpartner.EmbedURL(bad)
		var ve *tlpartner.ValidationError
		require.ErrorAs(t, err, &ve, bad)
		assert.Equal(t, "qrLink", ve.Field)
	}
	q := &tlpartner.QRCode{URL: "https://app.timelines.ai/qr/x"}
	got, err := q.EmbedURL()
	require.NoError(t, err)
	assert.Equal(t, "https://app.timelines.ai/qr/x?display_mode=embedding", got)
	ws := tlpartner.WorkspaceDetails{QRLinks: []tlpartner.QRLink{{URL: "https://timelines.ai/qr/y"}}}
	got, err = ws.QRLinks[0].EmbedURL()
	require.NoError(t, err)
	assert.Equal(t, "https://timelines.ai/qr/y?display_mode=embedding", got)

	// The methods name the field the caller holds.
	var ve *tlpartner.ValidationError
	_, err = (&tlpartner.QRCode{URL: "http://example.com/qr"}).EmbedURL()
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "QRCode.URL", ve.Field)
	_, err = (&tlpartner.QRLink{}).EmbedURL()
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "QRLink.URL", ve.Field)
}
