package tlpartner_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/tlpartner/tlpartner-go"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMisuseGivesErrorsNotPanics: a nil or zero Client and a nil *QRCode
// give a *ValidationError from every method; printing them does not panic.
func TestMisuseGivesErrorsNotPanics(t *testing.T) {
	t.Parallel()
	calls := map[string]func(c *tlpartner.Client) error{
		"CreateWorkspace": func(c *tlpartner.Client) error {
			_, err := c.CreateWorkspace(bg, tlpartner.CreateWorkspaceParams{DisplayName: "a", SeatsPurchased: 1})
			return err
		},
		"GetWorkspace": func(c *tlpartner.Client) error { _, err := c.GetWorkspace(bg, "a"); return err },
		"UpdateWorkspace": func(c *tlpartner.Client) error {
			_, err := c.UpdateWorkspace(bg, "a", tlpartner.UpdateWorkspaceParams{SeatsPurchased: tlpartner.Ptr(1)})
			return err
		},
		"CreateUsers": func(c *tlpartner.Client) error { _, err := c.CreateUsers(bg, "a", 1); return err },
		"GenerateQR": func(c *tlpartner.Client) error {
			_, err := c.GenerateQR(bg, "a", 1, tlpartner.GenerateQRParams{})
			return err
		},
		"GetPublicAPIToken":    func(c *tlpartner.Client) error { _, err := c.GetPublicAPIToken(bg, "a"); return err },
		"RotatePublicAPIToken": func(c *tlpartner.Client) error { _, err := c.RotatePublicAPIToken(bg, "a"); return err },
		"DisconnectWhatsApp":   func(c *tlpartner.Client) error { _, err := c.DisconnectWhatsApp(bg, "a", 1); return err },
		"Do":                   func(c *tlpartner.Client) error { _, err := c.Do(bg, "GET", "/x", nil, nil); return err },
		"NewWebhookHandler":    func(c *tlpartner.Client) error { _, err := c.NewWebhookHandler(); return err },
	}
	clients := map[string]*tlpartner.Client{"nil": nil, "zero": {}}
	for cname, c := range clients {
		for name, call := range calls {
			t.Run(cname+"/"+name, func(t *testing.T) {
				t.Parallel()
				var err error
				require.NotPanics(t, func() { err = call(c) })
				var ve *tlpartner.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "client", ve.Field)
				assert.ErrorIs(t, err, tlpartner.ErrInvalidRequest)
			})
		}
	}
	var nilClient *tlpartner.Client
	require.NotPanics(t, func() {
		assert.Equal(t, "tlpartner.Client(nil)", nilClient.String())
		assert.Equal(t, "<nil>|<nil>", fmt.Sprintf("%v|%+v", nilClient, nilClient))
		assert.Equal(t, "tlpartner.Client(nil)", nilClient.LogValue().String())
		assert.Empty(t, nilClient.PartnerID())
		assert.Empty(t, nilClient.BaseURL())
		slog.New(slog.DiscardHandler).Info("x", "client", nilClient)
	})
	var q *tlpartner.QRCode
	require.NotPanics(t, func() {
		_, err := q.EmbedURL()
		var ve *tlpartner.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "QRCode", ve.Field)
	})
	var l *tlpartner.QRLink
	require.NotPanics(t, func() {
		_, err := l.EmbedURL()
		var ve *tlpartner.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "QRLink", ve.Field)
	})
}

// TestPartnerIDMustBeAHeaderValue: a partner ID that cannot be sent in
// X-TL-Partner-Id is refused by NewClient instead of failing (and being
// retried) on every call.
func TestPartnerIDMustBeAHeaderValue(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"acme\n", "ac\rme", "acme\x00", "a\x7fb", "tab\there", "bad\xffutf8"} {
		c, err := tlpartner.NewClient(id, testSecret)
		assert.Nil(t, c)
		var ve *tlpartner.ValidationError
		require.ErrorAs(t, err, &ve, "%q", id)
		assert.Equal(t, "partnerID", ve.Field)
	}
	c, err := tlpartner.NewClient("ünïcode partner-1", testSecret)
	require.NoError(t, err)
	assert.Equal(t, "ünïcode partner-1", c.PartnerID())
}

// TestRedirectsStayOnOrigin: net/http would forward the Authorization
// header to the same host over plain http and to subdomains. The client
// follows redirects within the same scheme and host only; any other is
// returned unfollowed as an *APIError, and no token leaves the origin.
func TestRedirectsStayOnOrigin(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		location string
		follow   bool
	}{
		"https to http":   {"http://partner.test/partner/api/v1/workspaces/acme", false},
		"other host":      {"https://evil.test/partner/api/v1/workspaces/acme", false},
		"subdomain":       {"https://api.partner.test/partner/api/v1/workspaces/acme", false},
		"other port":      {"https://partner.test:8443/partner/api/v1/workspaces/acme", false},
		"same origin":     {"https://partner.test/partner/api/v1/workspaces/acme-2", true},
		"relative origin": {"/partner/api/v1/workspaces/acme-3", true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t)
			m.on(replyBytes(http.StatusTemporaryRedirect, nil, "Location", tc.location), reply(t, 200, "workspace_get_200.json"))
			ws, err := c.GetWorkspace(bg, "acme")
			reqs := m.requests()
			if tc.follow {
				require.NoError(t, err)
				assert.Equal(t, wsID, ws.ID)
				require.Len(t, reqs, 2)
				assert.Equal(t, "partner.test", reqs[1].Host)
				assertToken(t, reqs[1].Header.Get("Authorization"), testNow)
				return
			}
			require.Len(t, reqs, 1, "the redirect must not be followed")
			var apiErr *tlpartner.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusTemporaryRedirect, apiErr.StatusCode)
			assert.Equal(t, "redirect to "+tc.location+" not followed", apiErr.Description)
			for _, s := range allSentinels {
				assert.False(t, errors.Is(err, s), "errors.Is(err, %v)", s)
			}
		})
	}

	t.Run("a write never becomes a read", func(t *testing.T) {
		t.Parallel()
		for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther} {
			c, m := newMock(t)
			m.on(replyBytes(status, nil, "Location", "/partner/api/v1/workspaces/acme-co"), reply(t, 200, "workspace_get_200.json"))
			_, err := c.CreateWorkspace(bg, tlpartner.CreateWorkspaceParams{DisplayName: "acme-co", SeatsPurchased: 1})
			var apiErr *tlpartner.APIError
			require.ErrorAs(t, err, &apiErr, "status %d", status)
			assert.Equal(t, status, apiErr.StatusCode)
			assert.Len(t, m.requests(), 1, "status %d: the POST must not be replayed as a GET", status)
		}
		// 307 and 308 keep the method (and body): followed on the same origin.
		c, m := newMock(t)
		m.on(replyBytes(http.StatusPermanentRedirect, nil, "Location", "/partner/api/v1/workspaces/"), reply(t, 201, "workspace_create_201.json"))
		_, err := c.CreateWorkspace(bg, tlpartner.CreateWorkspaceParams{DisplayName: "acme-co", SeatsPurchased: 1})
		require.NoError(t, err)
		reqs := m.requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, "POST", reqs[1].Method)
		assert.Equal(t, `{"display_name":"acme-co","seats_purchased":1}`, string(reqs[1].Body))
	})

	t.Run("caller's policy wins", func(t *testing.T) {
		t.Parallel()
		_, m := newMock(t)
		var seen []string
		hc := &http.Client{Transport: m.mt, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			seen = append(seen, req.URL.String())
			return nil
		}}
		c, err := tlpartner.NewClient(testPartnerID, testSecret, tlpartner.WithBaseURL(testBase), tlpartner.WithHTTPClient(hc))
		require.NoError(t, err)
		m.on(replyBytes(http.StatusFound, nil, "Location", "https://other.test/x"), reply(t, 200, "workspace_get_200.json"))
		_, err = c.GetWorkspace(bg, "acme")
		require.NoError(t, err)
		assert.Equal(t, []string{"https://other.test/x"}, seen)
		assert.Len(t, m.requests(), 2)
	})

	t.Run("at most 10 redirects", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t, tlpartner.WithMaxRetries(0))
		m.on(replyBytes(http.StatusFound, nil, "Location", "/partner/api/v1/loop"))
		_, err := c.GetWorkspace(bg, "acme")
		var apiErr *tlpartner.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, http.StatusFound, apiErr.StatusCode)
		assert.Len(t, m.requests(), 10, "the first request and 9 redirects, as net/http's default")
	})
}

// TestDoResponseHoldsNoToken: the *http.Response that Do returns carries
// the request as sent; its token must not be readable or printable there.
func TestDoResponseHoldsNoToken(t *testing.T) {
	t.Parallel()
	for name, status := range map[string]int{"success": 200, "error": 404} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, tlpartner.WithMaxRetries(0))
			m.on(replyBytes(status, []byte(`{}`)))
			resp, _ := c.Do(bg, "GET", "/workspaces/acme", nil, nil)
			require.NotNil(t, resp)
			require.NotNil(t, resp.Request)
			sent := m.only().Header.Get("Authorization")
			tok := strings.TrimPrefix(sent, "Bearer ")
			require.NotEmpty(t, tok)
			assert.Equal(t, "Bearer [REDACTED]", resp.Request.Header.Get("Authorization"))
			assert.Equal(t, testPartnerID, resp.Request.Header.Get("X-TL-Partner-Id"))
			assert.Equal(t, "/partner/api/v1/workspaces/acme", resp.Request.URL.Path)
			assert.NotContains(t, fmt.Sprintf("%+v %+v", resp, *resp.Request), tok)
		})
	}
}

// TestDoRejectsInvalidMethods: a method that is not an HTTP token is a
// *ValidationError, never sent.
func TestDoRejectsInvalidMethods(t *testing.T) {
	t.Parallel()
	c, m := newMock(t)
	for _, method := range []string{"", "GE T", "GET\n", "GE(T", "GÉT", "G\x00"} {
		_, err := c.Do(context.Background(), method, "/x", nil, nil)
		var ve *tlpartner.ValidationError
		require.ErrorAs(t, err, &ve, "%q", method)
		assert.Equal(t, "method", ve.Field)
	}
	assert.Empty(t, m.requests())
	m.on(replyBytes(204, nil))
	_, err := c.Do(bg, "purge", "/x", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, "PURGE", m.only().Method)
	assert.False(t, strings.Contains(fmt.Sprint(c), testSecret))
}

// TestNumericIdentifiersDecodeAsText: a workspace_id sent as a JSON number
// is kept as its decimal text.
func TestNumericIdentifiersDecodeAsText(t *testing.T) {
	t.Parallel()
	c, m := newMock(t)
	m.on(replyBytes(200, []byte(`{"workspace_id":12345,"token":"t","rotated_at":"2024-01-01T12:00:00Z"}`)))
	tok, err := c.RotatePublicAPIToken(bg, "12345")
	require.NoError(t, err)
	assert.Equal(t, tlpartner.PublicAPIToken{WorkspaceID: "12345", Token: "t", RotatedAt: ts("2024-01-01T12:00:00Z")}, *tok)
	assert.Contains(t, tok.String(), "RotatedAt: 2024-01-01T12:00:00Z")
	assert.Equal(t, "[REDACTED]", tok.LogValue().Resolve().Group()[1].Value.String())
	m.only()
}
