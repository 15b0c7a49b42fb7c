package tlpartner

import (
	"context"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/wire"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// QRLink is a QR-connection link that is still active, as listed in
// [WorkspaceDetails.QRLinks].
type QRLink struct {
	// URL is the qr_link: the link to the hosted connection page, as in
	// [QRCode.URL].
	URL string `json:"qr_link"`
	// UserID is the user the link connects a WhatsApp account for.
	UserID int64 `json:"user_id"`
	// ExpiresAt is when the link stops working; zero if not sent.
	ExpiresAt time.Time `json:"expires_at"`
}

// EmbedURL returns l.URL prepared for an iframe; see [EmbedURL]. A bad URL
// gives a [*ValidationError] with Field "QRLink.URL", a nil l one with
// Field "QRLink". It has a pointer receiver like [QRCode.EmbedURL], so that
// neither panics on nil; elements of [WorkspaceDetails.QRLinks] are
// addressable, so ws.QRLinks[i].EmbedURL() works.
func (l *QRLink) EmbedURL() (string, error) {
	if l == nil {
		return "", &ValidationError{Field: "QRLink", Reason: "must not be nil"}
	}
	return embedURL(l.URL, "QRLink.URL")
}

// GenerateQRParams are the optional parameters of [Client.GenerateQR]
// (see "Optional input" in the package doc). The zero value asks for the
// server's defaults.
type GenerateQRParams struct {
	// ExpiresInHours is the lifetime of the link in hours, from
	// [MinQRExpiresInHours] (1) to [MaxQRExpiresInHours] (168). Nil sends
	// nothing and the server's default of 24 hours applies.
	ExpiresInHours *int `json:"expires_in_hours,omitempty"`
}

// QRCode is a freshly issued QR-connection link, returned by
// [Client.GenerateQR].
type QRCode struct {
	// WorkspaceID is the workspace of the user.
	WorkspaceID string `json:"workspace_id"`
	// UserID is the user the link connects a WhatsApp account for.
	UserID int64 `json:"user_id"`
	// URL is the qr_link: the hard-to-guess URL of the hosted connection
	// page. Open it directly, or embed it with [QRCode.EmbedURL]. It is
	// single-use: it dies after one successful connection.
	URL string `json:"qr_link"`
	// ExpiresAt is when the link stops working; zero if not sent.
	ExpiresAt time.Time `json:"expires_at"`
	// WhatsAppDisconnected reports that a WhatsApp account connected for
	// the user was disconnected by this call.
	WhatsAppDisconnected bool `json:"whatsapp_disconnected"`
	// PreviousQRRevoked reports that an earlier link of the user was
	// revoked by this call.
	PreviousQRRevoked bool `json:"previous_qr_revoked"`
}

// EmbedURL returns q.URL prepared for an iframe; see [EmbedURL]. A bad URL
// gives a [*ValidationError] with Field "QRCode.URL", a nil q one with
// Field "QRCode".
func (q *QRCode) EmbedURL() (string, error) {
	if q == nil {
		return "", &ValidationError{Field: "QRCode", Reason: "must not be nil"}
	}
	return embedURL(q.URL, "QRCode.URL")
}

// GenerateQR issues a new QR-connection link for one user of a workspace.
// Pass GenerateQRParams{} for the server's default lifetime (24 hours).
//
// The call is destructive: a user holds at most one active link, so an
// older link is revoked ([QRCode.PreviousQRRevoked]) and a WhatsApp account
// connected for the user is disconnected ([QRCode.WhatsAppDisconnected]).
// Reuse a link while a connection attempt is in progress. GenerateQR is
// retried after network errors and 502/503/504; if a response was lost,
// the flags describe the retry (which revoked the first attempt's link),
// so WhatsAppDisconnected may be false although an account was
// disconnected.
//
// An empty workspaceID, a userID ≤ 0 or an ExpiresInHours outside 1..168
// give a [*ValidationError] and nothing is sent. An unknown user gives an
// error matching [ErrNotFound].
//
// API: POST /workspaces/{workspace_id}/users/{user_id}/qr. With
// ExpiresInHours nil the body is {}.
func (c *Client) GenerateQR(ctx context.Context, workspaceID string, userID int64, params GenerateQRParams, opts ...tlhttp.CallOption) (*QRCode, error) {
	const op = "GenerateQR"
	if err := c.ready(); err != nil {
		return nil, err
	}
	if err := validateWorkspaceID(workspaceID); err != nil {
		return nil, err
	}
	if err := validateUserID(userID); err != nil {
		return nil, err
	}
	var body wire.UserRequestQRLinkJSONRequestBody
	if params.ExpiresInHours != nil {
		if err := validateExpiresInHours(*params.ExpiresInHours); err != nil {
			return nil, err
		}
		h := *params.ExpiresInHours
		body.ExpiresInHours = &h
	}
	req, err := wire.NewUserRequestQRLinkRequest(c.serverURL, workspaceID, userID, body)
	if err != nil {
		return nil, buildError(op, err)
	}
	var out qrCodeJSON
	if err := c.call(ctx, operation{name: op, retry: retrySafe, opts: opts, ws: workspaceID}, req, &out); err != nil {
		return nil, err
	}
	return &QRCode{
		WorkspaceID:          string(out.WorkspaceID),
		UserID:               int64(out.UserID),
		URL:                  out.URL,
		ExpiresAt:            out.ExpiresAt.Time(),
		WhatsAppDisconnected: out.WhatsAppDisconnected,
		PreviousQRRevoked:    out.PreviousQRRevoked,
	}, nil
}

// EmbedURL returns qrLink with the query parameter display_mode=embedding,
// which makes the hosted connection page suitable for an iframe (the
// default standalone mode would log the current session out). Other query
// parameters are kept in their order and exact encoding; an existing
// display_mode is replaced.
//
// The link must be an absolute https URL. Plain http is accepted only for
// loopback hosts (localhost, 127.0.0.0/8, ::1), as used by test servers.
// Anything else gives a [*ValidationError] with Field "qrLink".
func EmbedURL(qrLink string) (string, error) { return embedURL(qrLink, "qrLink") }

// embedURL is [EmbedURL]; field names qrLink in a [*ValidationError].
func embedURL(qrLink, field string) (string, error) {
	u, err := url.Parse(qrLink)
	if err != nil || u.Host == "" {
		return "", &ValidationError{Field: field, Reason: "must be an absolute URL"}
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return "", &ValidationError{Field: field, Reason: "must use https (http is accepted only for loopback hosts)"}
		}
	default:
		return "", &ValidationError{Field: field, Reason: "must use https"}
	}
	// Edit the raw query instead of re-encoding it: the other parameters
	// keep their order and their exact encoding (a signed link stays valid).
	var kept []string
	if u.RawQuery != "" {
		for _, p := range strings.Split(u.RawQuery, "&") {
			key, _, _ := strings.Cut(p, "=")
			if k, err := url.QueryUnescape(key); p == "" || err == nil && k == "display_mode" {
				continue
			}
			kept = append(kept, p)
		}
	}
	u.RawQuery = strings.Join(append(kept, "display_mode=embedding"), "&")
	u.ForceQuery = false
	return u.String(), nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type qrCodeJSON struct {
	WorkspaceID          jsonString `json:"workspace_id"`
	UserID               jsonInt    `json:"user_id"`
	URL                  string     `json:"qr_link"`
	ExpiresAt            jsonTime   `json:"expires_at"`
	WhatsAppDisconnected bool       `json:"whatsapp_disconnected"`
	PreviousQRRevoked    bool       `json:"previous_qr_revoked"`
}

type qrLinkJSON struct {
	URL       string   `json:"qr_link"`
	UserID    jsonInt  `json:"user_id"`
	ExpiresAt jsonTime `json:"expires_at"`
}

func (l *qrLinkJSON) public() QRLink {
	return QRLink{URL: l.URL, UserID: int64(l.UserID), ExpiresAt: l.ExpiresAt.Time()}
}
