package tlpartner

import (
	"context"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/wire"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// WhatsAppAccount is a WhatsApp account tied to a workspace, as listed in
// [WorkspaceDetails.WhatsAppAccounts].
type WhatsAppAccount struct {
	// ID is the WhatsApp account identifier.
	ID int64 `json:"whatsapp_account_id"`
	// UserID is the workspace user the account belongs to. The docs
	// declare it an integer but show the string "wa_abcdef123456" as the
	// example; numeric values (JSON numbers or numeric strings) land here,
	// anything else leaves UserID zero and is kept in RawUserID. Zero if
	// not sent.
	UserID int64 `json:"user_id"`
	// RawUserID is the user_id exactly as sent when it was not numeric;
	// empty otherwise.
	RawUserID string `json:"-"`
	// Connected reports whether the account is connected now.
	Connected bool `json:"connected"`
	// PhoneNumberE164 is the account's phone number in E.164 form.
	PhoneNumberE164 string `json:"phone_number_e164"`
	// ConnectionStatus is the connection state, such as "connected". The
	// docs define no closed list.
	ConnectionStatus string `json:"connection_status"`
	// ConnectedAt is when the account was connected; zero if not sent.
	ConnectedAt time.Time `json:"connected_at"`
}

// DisconnectResult is the outcome of [Client.DisconnectWhatsApp]. The docs
// mark none of its fields as required; absent ones have their zero value,
// except Disconnected.
type DisconnectResult struct {
	// WorkspaceID is the workspace of the user.
	WorkspaceID string `json:"workspace_id"`
	// UserID is the user whose account was disconnected.
	UserID int64 `json:"user_id"`
	// Disconnected is true if an account was actually disconnected and
	// false when nothing was connected (the call is then a no-op). When
	// the server leaves the field out it is true, the schema's default.
	Disconnected bool `json:"disconnected"`
	// DisconnectedAt is when the disconnect happened; zero if not sent.
	DisconnectedAt time.Time `json:"disconnected_at"`
	// WhatsAppAccountID is the account that was disconnected; zero if not
	// sent.
	WhatsAppAccountID int64 `json:"whatsapp_account_id"`
	// PhoneNumber is the account's phone number (format not documented).
	PhoneNumber string `json:"phone_number"`
	// Description is a free-text note about the operation.
	Description string `json:"description"`
}

// DisconnectWhatsApp ends the WhatsApp session of a user: sync stops and
// the credentials are revoked. This is the call that stops per-account
// billing. It is idempotent: with nothing connected it succeeds with
// [DisconnectResult.Disconnected] false, so it is retried like a read.
// When a response was lost and a retry succeeded, the result describes the
// retry: Disconnected is false although the first attempt disconnected the
// account.
//
// An empty workspaceID or a userID ≤ 0 gives a [*ValidationError] and
// nothing is sent. An unknown user gives an error matching [ErrNotFound].
//
// API: POST /workspaces/{workspace_id}/users/{user_id}/whatsapp/disconnect
// (no body).
func (c *Client) DisconnectWhatsApp(ctx context.Context, workspaceID string, userID int64, opts ...tlhttp.CallOption) (*DisconnectResult, error) {
	const op = "DisconnectWhatsApp"
	if err := c.ready(); err != nil {
		return nil, err
	}
	if err := validateWorkspaceID(workspaceID); err != nil {
		return nil, err
	}
	if err := validateUserID(userID); err != nil {
		return nil, err
	}
	req, err := wire.NewDisconnectWARequest(c.serverURL, workspaceID, userID)
	if err != nil {
		return nil, buildError(op, err)
	}
	var out disconnectJSON
	if err := c.call(ctx, operation{name: op, retry: retrySafe, opts: opts, ws: workspaceID}, req, &out); err != nil {
		return nil, err
	}
	res := &DisconnectResult{
		WorkspaceID:       string(out.WorkspaceID),
		UserID:            int64(out.UserID),
		Disconnected:      out.Disconnected == nil || *out.Disconnected,
		DisconnectedAt:    out.DisconnectedAt.Time(),
		WhatsAppAccountID: int64(out.WhatsAppAccountID),
		PhoneNumber:       out.PhoneNumber,
		Description:       out.Description,
	}
	return res, nil
}

type whatsAppAccountJSON struct {
	ID               jsonInt    `json:"whatsapp_account_id"`
	UserID           jsonUserID `json:"user_id"`
	Connected        bool       `json:"connected"`
	PhoneNumberE164  string     `json:"phone_number_e164"`
	ConnectionStatus string     `json:"connection_status"`
	ConnectedAt      jsonTime   `json:"connected_at"`
}

func (a *whatsAppAccountJSON) public() WhatsAppAccount {
	return WhatsAppAccount{
		ID:               int64(a.ID),
		UserID:           a.UserID.id,
		RawUserID:        a.UserID.raw,
		Connected:        a.Connected,
		PhoneNumberE164:  a.PhoneNumberE164,
		ConnectionStatus: a.ConnectionStatus,
		ConnectedAt:      a.ConnectedAt.Time(),
	}
}

type disconnectJSON struct {
	WorkspaceID       jsonString `json:"workspace_id"`
	UserID            jsonInt    `json:"user_id"`
	Disconnected      *bool      `json:"disconnected"`
	DisconnectedAt    jsonTime   `json:"disconnected_at"`
	WhatsAppAccountID jsonInt    `json:"whatsapp_account_id"`
	PhoneNumber       string     `json:"phone_number"`
	Description       string     `json:"description"`
}
