package tlpartner

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/wire"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// PublicAPIToken is a workspace's Public API token, returned by
// [Client.GetPublicAPIToken] and [Client.RotatePublicAPIToken]. Send it as
// "Authorization: Bearer <token>" to the TimelinesAI Public API.
//
// The token is a secret. [PublicAPIToken.String], GoString, LogValue and
// MarshalJSON redact it, so printing, logging or JSON-encoding the struct
// does not reveal it; read the Token field explicitly where you need it
// (for example to store it in your secret store).
type PublicAPIToken struct {
	// WorkspaceID is the workspace the token belongs to.
	WorkspaceID string `json:"workspace_id"`
	// Token is the token in clear text.
	Token string `json:"token"`
	// RotatedAt is set only by [Client.RotatePublicAPIToken]: the moment
	// the previous token stopped working. Zero otherwise.
	RotatedAt time.Time `json:"rotated_at"`
}

// String describes the token without revealing it.
func (t PublicAPIToken) String() string {
	s := fmt.Sprintf("tlpartner.PublicAPIToken{WorkspaceID: %q, Token: %s", t.WorkspaceID, redacted)
	if !t.RotatedAt.IsZero() {
		s += ", RotatedAt: " + t.RotatedAt.Format(time.RFC3339)
	}
	return s + "}"
}

// GoString is like [PublicAPIToken.String]; it keeps %#v from printing the
// token.
func (t PublicAPIToken) GoString() string { return t.String() }

// Format makes every fmt verb print the redacted [PublicAPIToken.String].
func (t PublicAPIToken) Format(f fmt.State, verb rune) { _, _ = fmt.Fprint(f, t.String()) }

// LogValue implements [slog.LogValuer] and redacts the token.
func (t PublicAPIToken) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("workspace_id", t.WorkspaceID), slog.String("token", redacted)}
	if !t.RotatedAt.IsZero() {
		attrs = append(attrs, slog.Time("rotated_at", t.RotatedAt))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON encodes the token's workspace ID and rotation time with the
// token itself replaced by "[REDACTED]".
func (t PublicAPIToken) MarshalJSON() ([]byte, error) {
	type redactedToken struct {
		WorkspaceID string    `json:"workspace_id"`
		Token       string    `json:"token"`
		RotatedAt   time.Time `json:"rotated_at"`
	}
	return json.Marshal(redactedToken{WorkspaceID: t.WorkspaceID, Token: redacted, RotatedAt: t.RotatedAt})
}

// GetPublicAPIToken returns the workspace's Public API token in clear
// text, creating one first if the workspace has none. Tokens do not expire
// unless rotated. The token is a secret: printing or logging the result
// redacts it (see [PublicAPIToken]).
//
// An empty workspaceID, or one containing '/', gives a [*ValidationError]
// and nothing is sent.
//
// API: GET /workspaces/{workspace_id}/api-token.
func (c *Client) GetPublicAPIToken(ctx context.Context, workspaceID string, opts ...tlhttp.CallOption) (*PublicAPIToken, error) {
	const op = "GetPublicAPIToken"
	if err := c.ready(); err != nil {
		return nil, err
	}
	if err := validateWorkspaceID(workspaceID); err != nil {
		return nil, err
	}
	req, err := wire.NewGetPublicAPITokenRequest(c.serverURL, workspaceID)
	if err != nil {
		return nil, buildError(op, err)
	}
	return c.tokenCall(ctx, operation{name: op, retry: retrySafe, opts: opts, ws: workspaceID}, req)
}

// RotatePublicAPIToken replaces the workspace's Public API token and
// returns the new one. The old token stops working at once, so store the
// new one immediately. Every call rotates again; a retry after a lost
// response therefore only rotates once more, which is why the call is
// retried like a read. It also triggers the api_token:rotated webhook.
//
// An empty workspaceID, or one containing '/', gives a [*ValidationError]
// and nothing is sent.
//
// API: POST /workspaces/{workspace_id}/api-token (no body).
func (c *Client) RotatePublicAPIToken(ctx context.Context, workspaceID string, opts ...tlhttp.CallOption) (*PublicAPIToken, error) {
	const op = "RotatePublicAPIToken"
	if err := c.ready(); err != nil {
		return nil, err
	}
	if err := validateWorkspaceID(workspaceID); err != nil {
		return nil, err
	}
	req, err := wire.NewRotatePublicAPITokenRequest(c.serverURL, workspaceID)
	if err != nil {
		return nil, buildError(op, err)
	}
	return c.tokenCall(ctx, operation{name: op, retry: retrySafe, opts: opts, ws: workspaceID}, req)
}

func (c *Client) tokenCall(ctx context.Context, op operation, req *http.Request) (*PublicAPIToken, error) {
	var out struct {
		WorkspaceID jsonString `json:"workspace_id"`
		Token       string     `json:"token"`
		RotatedAt   jsonTime   `json:"rotated_at"`
	}
	if err := c.call(ctx, op, req, &out); err != nil {
		return nil, err
	}
	return &PublicAPIToken{WorkspaceID: string(out.WorkspaceID), Token: out.Token, RotatedAt: out.RotatedAt.Time()}, nil
}

// PublicAPI returns a client of the TimelinesAI Public API for the
// workspace: it fetches the workspace's token with [Client.GetPublicAPIToken]
// and gives the new client a token source that fetches it again, so that
// after a rotation (a 401) the Public API client refreshes the token once
// and resends the request once; a 401 means the request was refused before
// it was processed, so this is safe for sends too.
//
// The Public API client sends through this client's *http.Client (sharing
// its connections, Transport and Timeout) to the base URL derived from this
// client's: a trailing "/partner/api/v1" (or "/partner/api") becomes
// "/integrations/api", so the default gives
// https://app.timelines.ai/integrations/api; any other base URL keeps its
// scheme and host with the path "/integrations/api". opts are applied
// after these defaults, so publicapi.WithBaseURL, publicapi.WithHTTPClient
// and every other publicapi option override them. Retries, logging, rate
// limits, middleware and observers of the two clients are configured
// separately.
//
// An invalid workspaceID gives a [*ValidationError]; a failure to fetch the
// token is returned as from GetPublicAPIToken.
func (c *Client) PublicAPI(ctx context.Context, workspaceID string, opts ...publicapi.Option) (*publicapi.Client, error) {
	tok, err := c.GetPublicAPIToken(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	refetch := func(ctx context.Context, _ string) (string, error) {
		t, err := c.GetPublicAPIToken(ctx, workspaceID)
		if err != nil {
			return "", err
		}
		return t.Token, nil
	}
	all := make([]publicapi.Option, 0, len(opts)+4)
	all = append(all,
		publicapi.WithBaseURL(publicAPIBaseURL(c.baseURL)),
		publicapi.WithHTTPClient(c.eng.HTTPClient()),
		publicapi.WithTokenSource(refetch),
		publicapi.WithWorkspaceID(workspaceID),
	)
	return publicapi.NewClient(tok.Token, append(all, opts...)...)
}

// publicAPIBaseURL derives the Public API root from the Partner API base
// URL (which has no trailing slash).
func publicAPIBaseURL(partnerBase string) string {
	for _, suffix := range []string{"/partner/api/v1", "/partner/api"} {
		if prefix, ok := strings.CutSuffix(partnerBase, suffix); ok {
			return prefix + "/integrations/api"
		}
	}
	u, err := url.Parse(partnerBase)
	if err != nil {
		return publicapi.DefaultBaseURL
	}
	return u.Scheme + "://" + u.Host + "/integrations/api"
}
