package tlpartner_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAPIErrorShapes decodes every error-body shape the SDK may meet.
func TestAPIErrorShapes(t *testing.T) {
	t.Parallel()
	big := `{"error":"invalid_request","status":400,"description":"` + strings.Repeat("x", 10000) + `"}`
	cases := []struct {
		name       string
		status     int
		body       string
		header     []string
		code, desc string
		sentinel   error
		also       error // a second class (Partner 403: ErrForbidden and ErrUnauthorized)
		msg        string
		retryAfter time.Duration
	}{
		{name: "partner envelope", status: 404, body: `{"error":"workspace_not_found","status":404,"description":"Workspace not found"}`,
			code: "workspace_not_found", desc: "Workspace not found", sentinel: tlpartner.ErrNotFound,
			msg: "tlpartner: GetWorkspace: 404 workspace_not_found: Workspace not found"},
		{name: "envelope without description", status: 409, body: `{"error":"seats_full","status":409}`,
			code: "seats_full", sentinel: tlpartner.ErrSeatsFull, msg: "tlpartner: GetWorkspace: 409 seats_full"},
		{name: "code beats status", status: 400, body: `{"error":"seats_full","status":400}`,
			code: "seats_full", sentinel: tlpartner.ErrSeatsFull},
		{name: "user_not_active is a conflict whatever the status", status: 400, body: `{"error":"user_not_active","status":400}`,
			code: "user_not_active", sentinel: tlpartner.ErrConflict},
		{name: "unknown code falls back to status", status: 403, body: `{"error":"brand_new_code","status":403}`,
			code: "brand_new_code", sentinel: tlpartner.ErrForbidden, also: tlpartner.ErrUnauthorized},
		{name: "not owned is forbidden", status: 403, body: `{"error":"workspace_not_owned_by_partner","status":403}`,
			code: "workspace_not_owned_by_partner", sentinel: tlpartner.ErrForbidden, also: tlpartner.ErrUnauthorized},
		{name: "rate limit shape", status: 429, body: `{"error":"Too Many Requests","message":"Rate limit exceeded. Please retry after a short delay."}`,
			header: []string{"Retry-After", "7"}, retryAfter: 7 * time.Second,
			code: "rate_limit_exceeded", desc: "Rate limit exceeded. Please retry after a short delay.", sentinel: tlpartner.ErrRateLimited,
			msg: "tlpartner: GetWorkspace: 429 rate_limit_exceeded: Rate limit exceeded. Please retry after a short delay."},
		{name: "public api shape", status: 401, body: `{"status":"error","message":"Invalid or expired token","error_code":"invalid_token"}`,
			code: "invalid_token", desc: "Invalid or expired token", sentinel: tlpartner.ErrUnauthorized},
		{name: "public api without code", status: 403, body: `{"status":"error","message":"Access denied"}`,
			desc: "Access denied", sentinel: tlpartner.ErrForbidden, also: tlpartner.ErrUnauthorized, msg: "tlpartner: GetWorkspace: 403 Forbidden: Access denied"},
		{name: "public api quota 403", status: 403, body: `{"status":"error","message":"Quota exceeded","error_code":"quota_exceeded"}`,
			code: "quota_exceeded", desc: "Quota exceeded", sentinel: tlpartner.ErrQuotaExceeded},
		// Only documented codes are quota errors: a code merely containing
		// "quota" is classified by its status (and so retried as a 429).
		{name: "unknown quota-like code", status: 429, body: `{"error":"messaging_quota_full","status":429}`,
			code: "messaging_quota_full", sentinel: tlpartner.ErrRateLimited},
		{name: "nested error object", status: 400, body: `{"error":{"code":"invalid_request","message":"bad seats"}}`,
			code: "invalid_request", desc: "bad seats", sentinel: tlpartner.ErrInvalidRequest},
		{name: "html page", status: 504, body: "<!DOCTYPE html><html><head><title>504 Gateway Time-out</title></head><body>x</body></html>",
			desc: "504 Gateway Time-out", sentinel: tlpartner.ErrServer, msg: "tlpartner: GetWorkspace: 504 Gateway Timeout: 504 Gateway Time-out"},
		{name: "html without title", status: 500, body: "<html><body><h1>Internal &amp; Error</h1></body></html>",
			desc: "Internal & Error", sentinel: tlpartner.ErrServer},
		{name: "plain text", status: 503, body: "\n  Service Unavailable  \nretry later", desc: "Service Unavailable", sentinel: tlpartner.ErrServer},
		{name: "empty body", status: 500, body: "", sentinel: tlpartner.ErrServer, msg: "tlpartner: GetWorkspace: 500 Internal Server Error"},
		{name: "json array", status: 422, body: `["bad"]`, desc: `["bad"]`, sentinel: tlpartner.ErrInvalidRequest},
		{name: "binary", status: 418, body: "\xff\xfe\x00", sentinel: nil, msg: "tlpartner: GetWorkspace: 418 I'm a teapot"},
		{name: "retry-after date", status: 429, body: `{"error":"rate_limit_exceeded"}`,
			header: []string{"Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)},
			code:   "rate_limit_exceeded", sentinel: tlpartner.ErrRateLimited, retryAfter: -1},
		{name: "truncated body", status: 400, body: big, code: "invalid_request", sentinel: tlpartner.ErrInvalidRequest},
		{name: "request id variants", status: 404, body: `{"error":"user_not_found","status":404}`,
			header: []string{"X-Correlation-Id", "corr-9"}, code: "user_not_found", sentinel: tlpartner.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, tlpartner.WithMaxRetries(0))
			m.on(replyBytes(tc.status, []byte(tc.body), tc.header...))
			_, err := c.GetWorkspace(bg, "acme")
			var e *tlpartner.APIError
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.status, e.StatusCode)
			assert.Equal(t, "GetWorkspace", e.Operation)
			assert.Equal(t, http.MethodGet, e.Method)
			assert.Equal(t, "/partner/api/v1/workspaces/acme", e.Path)
			assert.Equal(t, 1, e.Attempts)
			assert.Equal(t, tc.code, e.Code)
			if tc.name != "truncated body" {
				assert.Equal(t, tc.desc, e.Description)
			} else {
				assert.True(t, len(e.Description) < 300, "description is shortened")
			}
			if len(tc.body) > 4096 {
				assert.Equal(t, []byte(tc.body[:4096]), e.Body)
			} else if tc.body != "" {
				assert.Equal(t, []byte(tc.body), e.Body)
			} else {
				assert.Nil(t, e.Body)
			}
			for _, s := range allSentinels {
				assert.Equal(t, s == tc.sentinel || s == tc.also, errors.Is(err, s), "errors.Is(err, %v)", s)
			}
			if tc.msg != "" {
				assert.Equal(t, tc.msg, err.Error())
			}
			switch {
			case tc.retryAfter > 0:
				assert.Equal(t, tc.retryAfter, e.RetryAfter)
			case tc.retryAfter < 0:
				assert.True(t, e.RetryAfter > 59*time.Minute && e.RetryAfter <= time.Hour, "RetryAfter %v", e.RetryAfter)
			default:
				assert.Equal(t, time.Duration(0), e.RetryAfter)
			}
			if tc.name == "request id variants" {
				assert.Equal(t, "corr-9", e.RequestID)
			}
		})
	}
}

func TestAPIErrorIsNilTarget(t *testing.T) {
	t.Parallel()
	e := &tlpartner.APIError{StatusCode: 404}
	assert.False(t, e.Is(nil))
	assert.True(t, errors.Is(e, tlpartner.ErrNotFound))
	assert.False(t, errors.Is(&tlpartner.APIError{StatusCode: 302}, tlpartner.ErrServer))
}
