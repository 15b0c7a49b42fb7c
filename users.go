package tlpartner

import (
	"context"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/wire"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// User is a user of a workspace. Users made through the Partner API are
// placeholder agents with a system email of the form
// <user_id>-<workspace_id>@partners.timelines.ai that cannot log in; each
// one is a slot a WhatsApp account can be connected to.
type User struct {
	// ID is the user identifier used by [Client.GenerateQR] and
	// [Client.DisconnectWhatsApp].
	ID int64 `json:"user_id"`
	// DisplayName is the shown name.
	DisplayName string `json:"display_name"`
	// Email is the login or placeholder email.
	Email string `json:"email"`
	// Role is the role in the workspace, such as "owner" or "agent"; empty
	// if not sent. The docs define no closed list, so expect other values.
	Role string `json:"role,omitempty"`
	// Status is the user state, such as "active" or "activated". The docs
	// define no closed list, so expect other values.
	Status string `json:"status"`
	// CreatedAt is the creation time; zero if not sent.
	CreatedAt time.Time `json:"created_at"`
}

// CreateUsersResult is the outcome of [Client.CreateUsers].
type CreateUsersResult struct {
	// WorkspaceID is the workspace the users were added to.
	WorkspaceID string `json:"workspace_id"`
	// Seats is the seat allowance after the call: Total seats purchased,
	// Used seats taken; [Quota.Remaining] is the number still free. The
	// period fields are zero. See [Quota].
	Seats Quota `json:"seats"`
	// Users are the users just created.
	Users []User `json:"users"`
}

// CreateUsers adds count placeholder agent users to a workspace, one seat
// each. It is all or nothing: when fewer than count seats are free the
// error matches [ErrSeatsFull] and no user is created.
//
// count must be between 1 and [MaxUsersPerCall] (99); otherwise, or for an
// empty workspaceID, a [*ValidationError] is returned and nothing is sent.
//
// CreateUsers is retried only after a 429 or a connection that could not
// be established. After any other failure users may have been created, so
// check with [Client.GetWorkspace] before trying again.
//
// API: POST /workspaces/{workspace_id}/users.
func (c *Client) CreateUsers(ctx context.Context, workspaceID string, count int, opts ...tlhttp.CallOption) (*CreateUsersResult, error) {
	const op = "CreateUsers"
	if err := c.ready(); err != nil {
		return nil, err
	}
	if err := validateWorkspaceID(workspaceID); err != nil {
		return nil, err
	}
	if err := validateCount(count); err != nil {
		return nil, err
	}
	req, err := wire.NewWorkspaceCreateUsersRequest(c.serverURL, workspaceID, wire.WorkspaceCreateUsersJSONRequestBody{Count: count})
	if err != nil {
		return nil, buildError(op, err)
	}
	var out createUsersJSON
	if err := c.call(ctx, operation{name: op, retry: retryRejectedOnly, opts: opts, ws: workspaceID}, req, &out); err != nil {
		return nil, err
	}
	return &CreateUsersResult{
		WorkspaceID: string(out.WorkspaceID),
		Seats:       seatsQuota(out.SeatsTotal, out.SeatsAvailable),
		Users:       usersPublic(out.Users),
	}, nil
}

type createUsersJSON struct {
	WorkspaceID    jsonString `json:"workspace_id"`
	SeatsTotal     jsonInt    `json:"seats_total"`
	SeatsAvailable jsonInt    `json:"seats_available"`
	Users          []userJSON `json:"users"`
}

type userJSON struct {
	ID          jsonInt  `json:"user_id"`
	DisplayName string   `json:"display_name"`
	Email       string   `json:"email"`
	Role        string   `json:"role"`
	Status      string   `json:"status"`
	CreatedAt   jsonTime `json:"created_at"`
}

func usersPublic(in []userJSON) []User {
	if len(in) == 0 {
		return nil
	}
	out := make([]User, len(in))
	for i, u := range in {
		out[i] = User{
			ID:          int64(u.ID),
			DisplayName: u.DisplayName,
			Email:       u.Email,
			Role:        u.Role,
			Status:      u.Status,
			CreatedAt:   u.CreatedAt.Time(),
		}
	}
	return out
}
