package tlpartner_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlhttp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// endpoint describes one SDK method for the table-driven tests.
type endpoint struct {
	name string
	// call invokes the method for workspace ws.
	call func(ctx context.Context, c *tlpartner.Client, ws string, opts ...tlhttp.CallOption) (any, error)
	// method and path (escaped, below the base path) of the request for
	// workspace ws.
	method string
	path   func(ws string) string
	// body is the exact JSON the SDK must send; "" means no body.
	body string
	// status and fixture of the documented success response, and the
	// fully decoded value expected from it.
	status  int
	fixture string
	want    any
	// errors lists the documented error responses of the endpoint.
	errors []errorCase
	// workspaceScoped endpoints can also fail with the ownership errors.
	workspaceScoped bool
}

// errorCase is an error response and how the SDK must classify it.
type errorCase struct {
	status   int
	fixture  string
	sentinel error
	code     string
	desc     string
}

var (
	errRateLimited = errorCase{429, "error_rate_limited_429.json", tlpartner.ErrRateLimited, "rate_limit_exceeded", "Rate limit exceeded. Please retry after a short delay."}
	errWSNotFound  = errorCase{404, "error_workspace_not_found_404.json", tlpartner.ErrNotFound, "workspace_not_found", "Workspace not found"}
	errUserMissing = errorCase{404, "error_user_not_found_404.json", tlpartner.ErrNotFound, "user_not_found", "User not found"}
)

// commonErrors are the named Partner API errors whose status the docs do
// not give (statuses as used by the tlpartnertest fake), plus proxy pages.
// Every endpoint can receive them.
var commonErrors = []errorCase{
	{401, "error_partner_not_found_401.json", tlpartner.ErrUnauthorized, "partner_not_found", "Partner not found"},
	{401, "error_partner_not_active_401.json", tlpartner.ErrUnauthorized, "partner_not_active", "Partner is not active"},
	{401, "error_invalid_signature_401.json", tlpartner.ErrUnauthorized, "invalid_signature", "Invalid signature"},
	{401, "error_token_decode_error_401.json", tlpartner.ErrUnauthorized, "token_decode_error", "Invalid signature"},
	{401, "error_timestamp_out_of_range_401.json", tlpartner.ErrUnauthorized, "timestamp_out_of_range", "Token timestamp out of range"},
	{401, "error_token_not_active_401.json", tlpartner.ErrUnauthorized, "token_not_active", "Token is not active yet"},
	{401, "error_missing_header_401.json", tlpartner.ErrUnauthorized, "missing_header", "Missing X-TL-Partner-Id header"},
	{401, "error_missing_claim_401.json", tlpartner.ErrUnauthorized, "missing_claim", "Missing partner_id claim"},
	{400, "error_invalid_request_400.json", tlpartner.ErrInvalidRequest, "invalid_request", "seats_purchased must be between 1 and 999"},
	{405, "error_method_not_allowed_405.json", tlpartner.ErrInvalidRequest, "method_not_allowed", "Method not allowed"},
	{429, "error_public_api_quota_429.json", tlpartner.ErrQuotaExceeded, "quota_exceeded", "API calls quota exceeded for this billing period"},
	{502, "error_proxy_502.html", tlpartner.ErrServer, "", "502 Bad Gateway"},
	{503, "error_plain_503.txt", tlpartner.ErrServer, "", "upstream connect error or disconnect/reset before headers. reset reason: overflow"},
}

var ownershipErrors = []errorCase{
	{403, "error_workspace_not_owned_by_partner_403.json", tlpartner.ErrUnauthorized, "workspace_not_owned_by_partner", "Workspace is not owned by this partner"},
	{403, "error_workspace_billing_managed_403.json", tlpartner.ErrUnauthorized, "workspace_billing_managed", "Workspace billing is not managed by the partner"},
}

var allSentinels = []error{
	tlpartner.ErrNotFound, tlpartner.ErrSeatsFull, tlpartner.ErrConflict, tlpartner.ErrUnauthorized,
	tlpartner.ErrRateLimited, tlpartner.ErrQuotaExceeded, tlpartner.ErrInvalidRequest, tlpartner.ErrServer, tlpartner.ErrForbidden,
}

const wsID = "ws_1234567890abcdef"

func endpoints() []endpoint {
	return []endpoint{
		{
			name: "CreateWorkspace",
			call: func(ctx context.Context, c *tlpartner.Client, _ string, opts ...tlhttp.CallOption) (any, error) {
				return c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "my-first-workspace", SeatsPurchased: 3}, opts...)
			},
			method: http.MethodPost, path: func(string) string { return "/workspaces" },
			body:   `{"display_name":"my-first-workspace","seats_purchased":3}`,
			status: 201, fixture: "workspace_create_201.json",
			want: &tlpartner.Workspace{
				ID: wsID, DisplayName: "my-first-workspace", PlanID: 1, Seats: tlpartner.Quota{Total: 3, Used: 1},
				UpdatedAt: ts("2024-01-01T12:00:00Z"), CreatedAt: ts("2024-01-01T10:00:00Z"), OwnerUserID: 42, GroupID: 7,
			},
			errors: []errorCase{
				{409, "error_workspace_creation_failed_409.json", tlpartner.ErrConflict, "workspace_creation_failed", "Workspace with this name already exists"},
				errRateLimited,
			},
		},
		{
			name: "GetWorkspace",
			call: func(ctx context.Context, c *tlpartner.Client, ws string, opts ...tlhttp.CallOption) (any, error) {
				return c.GetWorkspace(ctx, ws, opts...)
			},
			method: http.MethodGet, path: func(ws string) string { return "/workspaces/" + ws },
			status: 200, fixture: "workspace_get_200.json",
			want:   wantWorkspaceDetails(),
			errors: []errorCase{errWSNotFound, errRateLimited}, workspaceScoped: true,
		},
		{
			name: "UpdateWorkspace",
			call: func(ctx context.Context, c *tlpartner.Client, ws string, opts ...tlhttp.CallOption) (any, error) {
				return c.UpdateWorkspace(ctx, ws, tlpartner.UpdateWorkspaceParams{DisplayName: tlpartner.Ptr("updated-workspace-name"), SeatsPurchased: tlpartner.Ptr(5)}, opts...)
			},
			method: http.MethodPatch, path: func(ws string) string { return "/workspaces/" + ws },
			body:   `{"display_name":"updated-workspace-name","seats_purchased":5}`,
			status: 200, fixture: "workspace_update_200.json",
			want: &tlpartner.Workspace{
				ID: wsID, DisplayName: "updated-workspace-name", PlanID: 1, Seats: tlpartner.Quota{Total: 5, Used: 5},
				UpdatedAt: ts("2024-02-01T12:00:00Z"), CreatedAt: ts("2024-01-01T10:00:00Z"), OwnerUserID: 42, GroupID: 7,
				SuspendedMembers: []tlpartner.SuspendedMember{
					{UserID: 123, WhatsAppAccountID: 1092930, PhoneNumbers: []string{"+1234567890"}},
					{UserID: 124},
				},
			},
			errors: []errorCase{errWSNotFound, errRateLimited}, workspaceScoped: true,
		},
		{
			name: "CreateUsers",
			call: func(ctx context.Context, c *tlpartner.Client, ws string, opts ...tlhttp.CallOption) (any, error) {
				return c.CreateUsers(ctx, ws, 2, opts...)
			},
			method: http.MethodPost, path: func(ws string) string { return "/workspaces/" + ws + "/users" },
			body:   `{"count":2}`,
			status: 201, fixture: "users_create_201.json",
			want: &tlpartner.CreateUsersResult{
				WorkspaceID: "my-first-workspace", Seats: tlpartner.Quota{Total: 3, Used: 3},
				Users: []tlpartner.User{
					{ID: 43, DisplayName: "Agent 1", Email: "43-my-first-workspace@partners.timelines.ai", Role: "agent", Status: "activated", CreatedAt: ts("2024-01-01T10:00:00Z")},
					{ID: 44, DisplayName: "Agent 2", Email: "44-my-first-workspace@partners.timelines.ai", Role: "agent", Status: "activated", CreatedAt: ts("2024-01-01T10:00:01Z")},
				},
			},
			errors: []errorCase{
				{409, "error_seats_full_409.json", tlpartner.ErrSeatsFull, "seats_full", "Not enough seats available"},
				errWSNotFound, errRateLimited,
			},
			workspaceScoped: true,
		},
		{
			name: "GenerateQR",
			call: func(ctx context.Context, c *tlpartner.Client, ws string, opts ...tlhttp.CallOption) (any, error) {
				return c.GenerateQR(ctx, ws, 42, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(48)}, opts...)
			},
			method: http.MethodPost, path: func(ws string) string { return "/workspaces/" + ws + "/users/42/qr" },
			body:   `{"expires_in_hours":48}`,
			status: 200, fixture: "qr_200.json",
			want: &tlpartner.QRCode{
				WorkspaceID: "my-first-workspace", UserID: 42, URL: "https://app.timelines.ai/qr/abcdef123456",
				ExpiresAt: ts("2024-01-03T12:00:00Z"), WhatsAppDisconnected: true, PreviousQRRevoked: true,
			},
			errors: []errorCase{
				errUserMissing,
				{404, "error_user_not_in_workspace_404.json", tlpartner.ErrNotFound, "user_not_in_workspace", "User does not belong to this workspace"},
				{409, "error_user_not_active_409.json", tlpartner.ErrConflict, "user_not_active", "User is not active"},
				errRateLimited,
			},
			workspaceScoped: true,
		},
		{
			name: "DisconnectWhatsApp",
			call: func(ctx context.Context, c *tlpartner.Client, ws string, opts ...tlhttp.CallOption) (any, error) {
				return c.DisconnectWhatsApp(ctx, ws, 42, opts...)
			},
			method: http.MethodPost, path: func(ws string) string { return "/workspaces/" + ws + "/users/42/whatsapp/disconnect" },
			status: 200, fixture: "disconnect_200.json",
			want: &tlpartner.DisconnectResult{
				WorkspaceID: "my-first-workspace", UserID: 42, Disconnected: true, DisconnectedAt: ts("2024-01-01T12:00:00Z"),
				WhatsAppAccountID: 987654321, PhoneNumber: "+1234567890", Description: "WhatsApp account disconnected",
			},
			errors:          []errorCase{errUserMissing, errRateLimited},
			workspaceScoped: true,
		},
		{
			name: "GetPublicAPIToken",
			call: func(ctx context.Context, c *tlpartner.Client, ws string, opts ...tlhttp.CallOption) (any, error) {
				return c.GetPublicAPIToken(ctx, ws, opts...)
			},
			method: http.MethodGet, path: func(ws string) string { return "/workspaces/" + ws + "/api-token" },
			status: 200, fixture: "api_token_get_200.json",
			want:   &tlpartner.PublicAPIToken{WorkspaceID: "my-first-workspace", Token: "tl_pub_0123456789abcdef0123456789abcdef"},
			errors: []errorCase{errRateLimited}, workspaceScoped: true,
		},
		{
			name: "RotatePublicAPIToken",
			call: func(ctx context.Context, c *tlpartner.Client, ws string, opts ...tlhttp.CallOption) (any, error) {
				return c.RotatePublicAPIToken(ctx, ws, opts...)
			},
			method: http.MethodPost, path: func(ws string) string { return "/workspaces/" + ws + "/api-token" },
			status: 201, fixture: "api_token_rotate_201.json",
			want: &tlpartner.PublicAPIToken{
				WorkspaceID: "my-first-workspace", Token: "tl_pub_fedcba9876543210fedcba9876543210", RotatedAt: ts("2024-01-01T12:00:00Z"),
			},
			errors: []errorCase{errRateLimited}, workspaceScoped: true,
		},
	}
}

func wantWorkspaceDetails() *tlpartner.WorkspaceDetails {
	return &tlpartner.WorkspaceDetails{
		ID:                wsID,
		DisplayName:       "my-first-workspace",
		Seats:             tlpartner.Quota{Total: 10, Used: 7, PeriodStart: ts("2024-01-01T00:00:00Z"), PeriodEnd: ts("2024-12-31T23:59:59Z")},
		MessagesQuota:     tlpartner.Quota{Total: 100000, Used: 90000, PeriodStart: ts("2024-01-01T00:00:00Z"), PeriodEnd: ts("2024-01-31T23:59:59Z")},
		APICallsQuota:     tlpartner.Quota{Total: 1000000, Used: 1000, PeriodStart: ts("2024-01-01T00:00:00Z"), PeriodEnd: ts("2024-01-31T23:59:59Z")},
		NonRecurringQuota: tlpartner.NonRecurringQuota{RemainingBalance: 50, LastUpdatedAt: ts("2024-01-10T12:00:00Z")},
		Users: []tlpartner.User{
			{ID: 42, DisplayName: "John Doe", Email: "admin@timelines.ai", Role: "owner", Status: "active", CreatedAt: ts("2024-01-01T10:00:00Z")},
			{ID: 43, DisplayName: "Agent 1", Email: "43-my-first-workspace@partners.timelines.ai", Role: "agent", Status: "activated", CreatedAt: ts("2024-01-02T10:00:00.123Z")},
		},
		WhatsAppAccounts: []tlpartner.WhatsAppAccount{
			{ID: 987654321, RawUserID: "wa_abcdef123456", Connected: true, PhoneNumberE164: "+1234567890", ConnectionStatus: "connected", ConnectedAt: ts("2024-01-15T10:00:00Z")},
			{ID: 987654322, UserID: 43, PhoneNumberE164: "+1234567891", ConnectionStatus: "disconnected"},
		},
		QRLinks: []tlpartner.QRLink{
			{URL: "https://timelines.ai/qr/abcdef123456", UserID: 42, ExpiresAt: ts("2024-01-02T10:00:00Z")},
		},
	}
}

// assertRequest checks method, exact path, headers, token and body.
func assertRequest(t *testing.T, ep endpoint, r recorded, ws string) {
	t.Helper()
	assert.Equal(t, ep.method, r.Method)
	assert.Equal(t, "/partner/api/v1"+ep.path(ws), r.Path)
	assert.Empty(t, r.RawQuery)
	assertAuth(t, r, ep.body != "")
	if ep.body != "" {
		assert.JSONEq(t, ep.body, string(r.Body))
		assert.Equal(t, ep.body, string(r.Body), "exact bytes")
	}
}

func TestEndpointsSuccess(t *testing.T) {
	t.Parallel()
	for _, ep := range endpoints() {
		t.Run(ep.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t)
			m.on(reply(t, ep.status, ep.fixture, "X-TL-API-Version", "v1"))
			got, err := ep.call(bg, c, wsID)
			require.NoError(t, err)
			assert.Equal(t, ep.want, got)
			assertRequest(t, ep, m.only(), wsID)
		})
	}
}

// TestEndpointsEscapeWorkspaceID checks that odd workspace IDs end up as a
// single, escaped path segment.
func TestEndpointsEscapeWorkspaceID(t *testing.T) {
	t.Parallel()
	odd := map[string]string{
		"a b?c":          "a%20b%3Fc",
		"a#b%c":          "a%23b%25c",
		"ünïcode":        "%C3%BCn%C3%AFcode",
		"x;y=z&q":        "x%3By=z&q",
		"with+plus":      "with+plus",
		"tab\tnewline\n": "tab%09newline%0A",
	}
	for _, ep := range endpoints() {
		if !ep.workspaceScoped {
			continue
		}
		for id, escaped := range odd {
			t.Run(ep.name+"/"+escaped, func(t *testing.T) {
				t.Parallel()
				c, m := newMock(t)
				m.on(reply(t, ep.status, ep.fixture))
				_, err := ep.call(bg, c, id)
				require.NoError(t, err)
				r := m.only()
				assert.Equal(t, "/partner/api/v1"+ep.path(escaped), r.Path)
			})
		}
	}
}

func TestEndpointsErrors(t *testing.T) {
	t.Parallel()
	for _, ep := range endpoints() {
		cases := append(append([]errorCase(nil), ep.errors...), commonErrors...)
		if ep.workspaceScoped {
			cases = append(cases, ownershipErrors...)
		}
		for _, ec := range cases {
			t.Run(ep.name+"/"+ec.fixture, func(t *testing.T) {
				t.Parallel()
				c, m := newMock(t, tlpartner.WithMaxRetries(0))
				m.on(reply(t, ec.status, ec.fixture, "X-Request-Id", "req-123"))
				got, err := ep.call(bg, c, wsID)
				require.Error(t, err)
				assert.Nil(t, reflectNil(got), "no result on error")
				assertRequest(t, ep, m.only(), wsID)

				var apiErr *tlpartner.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, ec.status, apiErr.StatusCode)
				assert.Equal(t, ec.code, apiErr.Code)
				assert.Equal(t, ec.desc, apiErr.Description)
				assert.Equal(t, fixture(t, ec.fixture), apiErr.Body)
				assert.Equal(t, "req-123", apiErr.RequestID)
				for _, s := range allSentinels {
					// A Partner 403 is ErrForbidden and, as before that
					// sentinel existed, ErrUnauthorized.
					want := s == ec.sentinel || (ec.status == 403 && s == tlpartner.ErrForbidden && ec.sentinel == tlpartner.ErrUnauthorized)
					assert.Equal(t, want, errors.Is(err, s), "errors.Is(err, %v)", s)
				}
				assert.Equal(t, ep.name, apiErr.Operation)
				assert.Equal(t, 1, apiErr.Attempts)
				assert.True(t, strings.HasPrefix(err.Error(), "tlpartner: "+ep.name+": "), err.Error())
			})
		}
	}
}

// reflectNil turns typed nil pointers into untyped nil for assertions.
func reflectNil(v any) any {
	switch p := v.(type) {
	case *tlpartner.Workspace:
		if p == nil {
			return nil
		}
	case *tlpartner.WorkspaceDetails:
		if p == nil {
			return nil
		}
	case *tlpartner.CreateUsersResult:
		if p == nil {
			return nil
		}
	case *tlpartner.QRCode:
		if p == nil {
			return nil
		}
	case *tlpartner.DisconnectResult:
		if p == nil {
			return nil
		}
	case *tlpartner.PublicAPIToken:
		if p == nil {
			return nil
		}
	}
	return v
}

func TestGenerateQRDefaultParamsSendsEmptyObject(t *testing.T) {
	t.Parallel()
	c, m := newMock(t)
	m.on(reply(t, 200, "qr_200.json"))
	q, err := c.GenerateQR(bg, "my-first-workspace", 42, tlpartner.GenerateQRParams{})
	require.NoError(t, err)
	assert.Equal(t, "https://app.timelines.ai/qr/abcdef123456", q.URL)
	r := m.only()
	assert.Equal(t, "/partner/api/v1/workspaces/my-first-workspace/users/42/qr", r.Path)
	assert.Equal(t, "{}", string(r.Body))
	assertAuth(t, r, true)
}

func TestUpdateWorkspaceSendsOnlySetFields(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		params tlpartner.UpdateWorkspaceParams
		body   string
	}{
		"name only":  {tlpartner.UpdateWorkspaceParams{DisplayName: tlpartner.Ptr("new-name")}, `{"display_name":"new-name"}`},
		"seats only": {tlpartner.UpdateWorkspaceParams{SeatsPurchased: tlpartner.Ptr(999)}, `{"seats_purchased":999}`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t)
			m.on(reply(t, 200, "workspace_update_200.json"))
			_, err := c.UpdateWorkspace(bg, "acme", tc.params)
			require.NoError(t, err)
			assert.Equal(t, tc.body, string(m.only().Body))
		})
	}
}

func TestDisconnectWhatsAppVariants(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		fixture string
		want    tlpartner.DisconnectResult
	}{
		"no-op": {"disconnect_200_noop.json", tlpartner.DisconnectResult{WorkspaceID: "my-first-workspace", UserID: 42, Disconnected: false, Description: "No WhatsApp account connected"}},
		// disconnected is absent: the schema default (true) applies.
		"defaults": {"disconnect_200_defaults.json", tlpartner.DisconnectResult{WorkspaceID: "my-first-workspace", UserID: 42, Disconnected: true}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t)
			m.on(reply(t, 200, tc.fixture))
			got, err := c.DisconnectWhatsApp(bg, "my-first-workspace", 42)
			require.NoError(t, err)
			assert.Equal(t, &tc.want, got)
		})
	}
}

// TestGetWorkspaceTolerantDecoding feeds a response with absent optional
// fields, nulls, empty strings, numeric strings, fractional seconds, zone
// offsets, zone-less times and unknown fields.
func TestGetWorkspaceTolerantDecoding(t *testing.T) {
	t.Parallel()
	c, m := newMock(t)
	m.on(reply(t, 200, "workspace_get_200_minimal.json"))
	got, err := c.GetWorkspace(bg, "acme-co")
	require.NoError(t, err)
	want := &tlpartner.WorkspaceDetails{
		ID:            "acme-co",
		DisplayName:   "acme-co",
		Seats:         tlpartner.Quota{Total: 5, Used: 1},
		MessagesQuota: tlpartner.Quota{},
		APICallsQuota: tlpartner.Quota{Total: 1000, Used: 10, PeriodStart: ts("2024-01-01T00:00:00Z"), PeriodEnd: ts("2024-01-31T23:59:59+02:00")},
		Users: []tlpartner.User{
			{ID: 44, DisplayName: "Owner", Email: "44-acme-co@partners.timelines.ai", Status: "activated", CreatedAt: ts("2024-01-01T10:00:00.5Z")},
		},
		WhatsAppAccounts: []tlpartner.WhatsAppAccount{
			{ID: 9001, UserID: 44, Connected: true, PhoneNumberE164: "+31612345678", ConnectionStatus: "connected"},
			{ID: 9002, PhoneNumberE164: "+31612345679", ConnectionStatus: "banned"},
		},
	}
	assert.Equal(t, want, got)
	assert.True(t, got.APICallsQuota.PeriodEnd.Equal(time.Date(2024, 1, 31, 21, 59, 59, 0, time.UTC)))
	assert.Equal(t, 990, got.APICallsQuota.Remaining())
	assert.Equal(t, 0, tlpartner.Quota{Total: 5, Used: 9}.Remaining())
	m.only()
}

func TestDecodeFailures(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"bad time":     `{"workspace_id":"x","seats":{"period_start":"yesterday"}}`,
		"bad int":      `{"workspace_id":"x","seats":{"total":1.5}}`,
		"word as int":  `{"workspace_id":"x","seats":{"total":"abc"}}`,
		"word as id":   `{"workspace_id":"x","users":[{"user_id":"abc"}]}`,
		"not json":     `<html>oops</html>`,
		"empty body":   ``,
		"null":         ` null `,
		"object as id": `{"workspace_id":{}}`,
		"wrong object": `[1,2,3]`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t)
			m.on(replyBytes(200, []byte(body)))
			got, err := c.GetWorkspace(bg, "x")
			require.Error(t, err)
			assert.Nil(t, got)
			assert.True(t, strings.HasPrefix(err.Error(), "tlpartner: GetWorkspace: decode response: "), err.Error())
			assert.Equal(t, 1, strings.Count(err.Error(), "tlpartner:"), "one package prefix: %s", err)
			var apiErr *tlpartner.APIError
			assert.False(t, errors.As(err, &apiErr))
			m.only()
		})
	}
}

func TestUserAgentOption(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, tlpartner.WithUserAgent("acme-billing/2.3"))
	m.on(reply(t, 200, "api_token_get_200.json"))
	_, err := c.GetPublicAPIToken(bg, "x")
	require.NoError(t, err)
	assert.Equal(t, "tlpartner-go/"+tlpartner.Version+" acme-billing/2.3", m.only().Header.Get("User-Agent"))
}

func TestTokenLifetimeOption(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, tlpartner.WithTokenLifetime(30*time.Second))
	m.on(reply(t, 200, "api_token_get_200.json"))
	_, err := c.GetPublicAPIToken(bg, "x")
	require.NoError(t, err)
	claims := decodeClaims(t, m.only().Header.Get("Authorization"))
	assert.Equal(t, float64(testNow.Add(-30*time.Second).Unix()), claims["nbf"])
	assert.Equal(t, float64(testNow.Add(30*time.Second).Unix()), claims["exp"])
}

// TestFreshTokenPerAttempt checks that each attempt, retries included, mints
// a new token from the clock at that moment.
func TestFreshTokenPerAttempt(t *testing.T) {
	t.Parallel()
	var tick int64
	clock := func() time.Time { tick++; return testNow.Add(time.Duration(tick) * time.Minute) }
	c, m := newMock(t, tlpartner.WithClock(clock))
	m.on(reply(t, 503, "error_plain_503.txt"), reply(t, 200, "workspace_get_200.json"))
	_, err := c.GetWorkspace(bg, wsID)
	require.NoError(t, err)
	reqs := m.requests()
	require.Len(t, reqs, 2)
	a := reqs[0].Header.Get("Authorization")
	b := reqs[1].Header.Get("Authorization")
	assert.NotEqual(t, a, b)
	assertToken(t, a, testNow.Add(time.Minute))
	assertToken(t, b, testNow.Add(2*time.Minute))
}

func TestDoEscapeHatch(t *testing.T) {
	t.Parallel()
	t.Run("GET with query and out", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t)
		m.on(reply(t, 200, "workspace_get_200.json", "X-TL-API-Version", "v1"))
		var out struct {
			ID       string `json:"workspace_id"`
			Accounts []struct {
				UserID any `json:"user_id"`
			} `json:"whatsapp_accounts"`
		}
		resp, err := c.Do(bg, "get", "/workspaces/ws%2Fx/future?include=all", nil, &out)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "v1", resp.Header.Get("X-TL-API-Version"))
		assert.Equal(t, wsID, out.ID)
		require.Len(t, out.Accounts, 2)
		r := m.only()
		assert.Equal(t, "GET", r.Method)
		assert.Equal(t, "/partner/api/v1/workspaces/ws%2Fx/future", r.Path)
		assert.Equal(t, "include=all", r.RawQuery)
		assertAuth(t, r, false)
	})
	t.Run("POST body and raw response", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t)
		m.on(replyBytes(202, []byte(`{"ok":true}`)))
		resp, err := c.Do(bg, http.MethodPost, "/workspaces/x/new-thing", map[string]any{"a": 1, "b": []string{"c"}}, nil)
		require.NoError(t, err)
		assert.Equal(t, 202, resp.StatusCode)
		b := make([]byte, 64)
		n, _ := resp.Body.Read(b)
		assert.Equal(t, `{"ok":true}`, string(b[:n]))
		require.NoError(t, resp.Body.Close())
		r := m.only()
		assert.Equal(t, `{"a":1,"b":["c"]}`, string(r.Body))
		assertAuth(t, r, true)
	})
	t.Run("raw bytes body", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t)
		m.on(replyBytes(204, nil))
		_, err := c.Do(bg, http.MethodPut, "/x", []byte(`{"raw":true}`), nil)
		require.NoError(t, err)
		assert.Equal(t, `{"raw":true}`, string(m.only().Body))
	})
	t.Run("error keeps response", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t, tlpartner.WithMaxRetries(0))
		m.on(reply(t, 404, "error_workspace_not_found_404.json"))
		resp, err := c.Do(bg, http.MethodGet, "/workspaces/nope", nil, nil)
		require.ErrorIs(t, err, tlpartner.ErrNotFound)
		require.NotNil(t, resp)
		assert.Equal(t, 404, resp.StatusCode)
		m.only()
	})
	t.Run("rejects other hosts", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t)
		for _, p := range []string{"https://evil.test/x", "//evil.test/x", "workspaces", "", "@evil.test/x"} {
			_, err := c.Do(bg, http.MethodGet, p, nil, nil)
			var ve *tlpartner.ValidationError
			require.ErrorAs(t, err, &ve, "path %q", p)
			assert.Equal(t, "path", ve.Field)
		}
		_, err := c.Do(bg, "BAD METHOD", "/x", nil, nil)
		require.ErrorIs(t, err, tlpartner.ErrInvalidRequest)
		assert.Empty(t, m.requests())
	})
	t.Run("unencodable body", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t)
		_, err := c.Do(bg, http.MethodPost, "/x", map[string]any{"f": func() {}}, nil)
		require.Error(t, err)
		assert.Empty(t, m.requests())
	})
}

// Compile-time check that the mock responder type is what httpmock expects.
var _ httpmock.Responder = replyBytes(200, nil)
