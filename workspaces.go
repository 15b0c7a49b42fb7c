package tlpartner

import (
	"context"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/wire"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// CreateWorkspaceParams is the input of [Client.CreateWorkspace].
type CreateWorkspaceParams struct {
	// DisplayName is the human-readable name of the workspace; the server
	// derives the workspace ID from it (lower-case letters, digits and
	// dashes, at most 30 characters), so prefer names made of letters,
	// digits and dashes. Required: 1 to [MaxDisplayNameLength] (100)
	// characters (runes); a blank name is rejected. The docs also mention
	// a 30-character limit; the SDK accepts the current schema's 100 and
	// leaves stricter checks to the server.
	DisplayName string `json:"display_name"`
	// SeatsPurchased is the number of seats to buy; the automatically
	// created Owner user takes one of them. Required: [MinSeats] (1) to
	// [MaxSeats] (999). Older docs say at most 99; the SDK accepts the
	// current schema's 999.
	SeatsPurchased int `json:"seats_purchased"`
}

// UpdateWorkspaceParams is the input of [Client.UpdateWorkspace]. Both
// fields are optional (see "Optional input" in the package doc): only the
// non-nil ones are sent, the others stay as they are on the server. At
// least one field must be set.
type UpdateWorkspaceParams struct {
	// DisplayName, when non-nil, renames the workspace (1 to
	// [MaxDisplayNameLength] characters). The workspace ID does not change.
	DisplayName *string `json:"display_name,omitempty"`
	// SeatsPurchased, when non-nil, sets the new seat total ([MinSeats] to
	// [MaxSeats]). Going below the seats in use suspends users; they are
	// listed in [Workspace.SuspendedMembers].
	SeatsPurchased *int `json:"seats_purchased,omitempty"`
}

// Workspace is a workspace as returned by [Client.CreateWorkspace] and
// [Client.UpdateWorkspace]. Optional fields the server leaves out have their
// zero value.
type Workspace struct {
	// ID is the workspace identifier. Store it: the API has no endpoint to
	// list workspaces.
	ID string `json:"workspace_id"`
	// DisplayName is the current human-readable name.
	DisplayName string `json:"display_name"`
	// PlanID is the plan the workspace runs on.
	PlanID int64 `json:"plan_id"`
	// Seats is the seat allowance: Total seats purchased, Used seats taken
	// (the Owner included); [Quota.Remaining] is the number still free.
	// The period fields are zero: create and update send no period. See
	// [Quota] for how seats are represented in every result.
	Seats Quota `json:"seats"`
	// UpdatedAt is the time of the last change; zero if not sent.
	UpdatedAt time.Time `json:"updated_at"`
	// CreatedAt is the creation time; zero if not sent.
	CreatedAt time.Time `json:"created_at"`
	// OwnerUserID is the user ID of the automatically created Owner; zero
	// if not sent.
	OwnerUserID int64 `json:"owner_user_id"`
	// GroupID is the ID of the workspace's default group; zero if not sent.
	GroupID int64 `json:"group_id"`
	// SuspendedMembers lists the users suspended because a seat reduction
	// left no seat for them. Empty (nil) unless an update lowered seats
	// below the number in use.
	SuspendedMembers []SuspendedMember `json:"suspended_members,omitempty"`
}

// SuspendedMember is a user suspended by a seat reduction, see
// [Workspace.SuspendedMembers].
type SuspendedMember struct {
	// UserID is the suspended user.
	UserID int64 `json:"user_id"`
	// WhatsAppAccountID is the WhatsApp account of that user; zero if none.
	WhatsAppAccountID int64 `json:"whatsapp_account_id"`
	// PhoneNumbers are the phone numbers tied to the user; nil if not
	// sent.
	PhoneNumbers []string `json:"phone_numbers,omitempty"`
}

// WorkspaceDetails is the full snapshot of a workspace returned by
// [Client.GetWorkspace].
type WorkspaceDetails struct {
	// ID is the workspace identifier.
	ID string `json:"workspace_id"`
	// DisplayName is the human-readable name.
	DisplayName string `json:"display_name"`
	// Seats is the seat allowance: Total seats purchased, Used seats
	// taken, within the billing period; [Quota.Remaining] is the number
	// still free.
	Seats Quota `json:"seats"`
	// MessagesQuota is the messaging allowance of the current period.
	MessagesQuota Quota `json:"messages_quota"`
	// APICallsQuota is the Public API call allowance of the current period.
	APICallsQuota Quota `json:"api_calls_quota"`
	// NonRecurringQuota is the one-off extra balance (for example bought
	// message packs).
	NonRecurringQuota NonRecurringQuota `json:"non_recurring_quota"`
	// Users are all users of the workspace, including the Owner.
	Users []User `json:"users"`
	// WhatsAppAccounts are the WhatsApp accounts tied to the workspace;
	// nil when the server sent none.
	WhatsAppAccounts []WhatsAppAccount `json:"whatsapp_accounts,omitempty"`
	// QRLinks are the QR links that are still active; nil when the server
	// sent none.
	QRLinks []QRLink `json:"qr_links,omitempty"`
}

// Quota is a usage counter with its counting period. It is used for
// messages, Public API calls and seats.
//
// Seats have this one representation in every result ([Workspace.Seats],
// [WorkspaceDetails.Seats], [CreateUsersResult.Seats]), the shape the API
// itself uses for seats in [Client.GetWorkspace]. Create, update and
// create-users answer with seats_total and seats_available instead; the SDK
// stores them as Total = seats_total and Used = seats_total −
// seats_available, so [Quota.Remaining] is the seats_available the server
// sent, and leaves the period fields zero.
//
// Counts are int throughout the package; IDs are int64.
type Quota struct {
	// Total is the allowance.
	Total int `json:"total"`
	// Used is the amount consumed.
	Used int `json:"used"`
	// PeriodStart is the start of the counting period; zero if not sent.
	PeriodStart time.Time `json:"period_start"`
	// PeriodEnd is the end of the counting period; zero if not sent.
	PeriodEnd time.Time `json:"period_end"`
}

// Remaining returns Total-Used, or 0 when the quota is used up or overdrawn.
func (q Quota) Remaining() int { return max(q.Total-q.Used, 0) }

// seatsQuota is the [Quota] form of the seats_total and seats_available
// pair sent by create, update and create-users.
func seatsQuota(total, available jsonInt) Quota {
	return Quota{Total: int(total), Used: int(total - available)}
}

// NonRecurringQuota is a one-off balance that does not reset with the
// billing period.
type NonRecurringQuota struct {
	// RemainingBalance is what is left of the balance; zero if not sent.
	RemainingBalance int `json:"remaining_balance"`
	// LastUpdatedAt is when the balance last changed; zero if not sent.
	LastUpdatedAt time.Time `json:"last_updated_at"`
}

// CreateWorkspace creates a partner-owned workspace with an Owner user that
// takes one seat.
//
// DisplayName must be 1 to [MaxDisplayNameLength] characters and
// SeatsPurchased between [MinSeats] and [MaxSeats]; otherwise a
// [*ValidationError] is returned and nothing is sent. If the generated
// workspace ID is taken the error matches [ErrConflict].
//
// CreateWorkspace is retried only after a 429 or a connection that could
// not be established: after any other failure the workspace may exist, so
// call [Client.GetWorkspace] before trying again.
//
// API: POST /workspaces.
func (c *Client) CreateWorkspace(ctx context.Context, params CreateWorkspaceParams, opts ...tlhttp.CallOption) (*Workspace, error) {
	const op = "CreateWorkspace"
	if err := c.ready(); err != nil {
		return nil, err
	}
	if err := validateDisplayName("CreateWorkspaceParams.DisplayName", params.DisplayName); err != nil {
		return nil, err
	}
	if err := validateSeats("CreateWorkspaceParams.SeatsPurchased", params.SeatsPurchased); err != nil {
		return nil, err
	}
	req, err := wire.NewWorkspaceCreateRequest(c.serverURL, wire.WorkspaceCreateJSONRequestBody{
		DisplayName:    params.DisplayName,
		SeatsPurchased: params.SeatsPurchased,
	})
	if err != nil {
		return nil, buildError(op, err)
	}
	var out workspaceJSON
	if err := c.call(ctx, operation{name: op, retry: retryRejectedOnly, opts: opts}, req, &out); err != nil {
		return nil, err
	}
	return out.public(), nil
}

// GetWorkspace returns the full snapshot of one workspace owned by the
// partner: seats, quotas, users, WhatsApp accounts and active QR links.
// An empty workspaceID, or one containing '/', gives a [*ValidationError]
// and nothing is sent.
//
// An unknown workspace gives an error matching [ErrNotFound]; the docs say
// the same for another partner's workspace. The server's
// workspace_not_owned_by_partner and workspace_billing_managed codes (a
// workspace that is not, or not billed as, the partner's) match
// [ErrUnauthorized].
//
// API: GET /workspaces/{workspace_id}.
func (c *Client) GetWorkspace(ctx context.Context, workspaceID string, opts ...tlhttp.CallOption) (*WorkspaceDetails, error) {
	const op = "GetWorkspace"
	if err := c.ready(); err != nil {
		return nil, err
	}
	if err := validateWorkspaceID(workspaceID); err != nil {
		return nil, err
	}
	req, err := wire.NewWorkspaceGetRequest(c.serverURL, workspaceID)
	if err != nil {
		return nil, buildError(op, err)
	}
	var out workspaceDetailsJSON
	if err := c.call(ctx, operation{name: op, retry: retrySafe, opts: opts, ws: workspaceID}, req, &out); err != nil {
		return nil, err
	}
	return out.public(), nil
}

// UpdateWorkspace changes the display name and/or the seat count of a
// workspace. Only the non-nil fields of params are sent; if both are nil,
// or a set field is out of range (see [UpdateWorkspaceParams]), a
// [*ValidationError] is returned and nothing is sent. Lowering the seats
// below the number in use suspends users, reported in
// [Workspace.SuspendedMembers]. An unknown workspace gives an error
// matching [ErrNotFound].
//
// UpdateWorkspace is retried after network errors and 502/503/504 (see
// [RetryPolicy]). If a response was lost and the retry succeeds, the result
// describes the retry: members suspended by the first attempt are not
// listed again, so after a seat reduction check [Client.GetWorkspace] when
// SuspendedMembers is unexpectedly empty.
//
// API: PATCH /workspaces/{workspace_id}.
func (c *Client) UpdateWorkspace(ctx context.Context, workspaceID string, params UpdateWorkspaceParams, opts ...tlhttp.CallOption) (*Workspace, error) {
	const op = "UpdateWorkspace"
	if err := c.ready(); err != nil {
		return nil, err
	}
	if err := validateWorkspaceID(workspaceID); err != nil {
		return nil, err
	}
	if params.DisplayName == nil && params.SeatsPurchased == nil {
		return nil, &ValidationError{Field: "UpdateWorkspaceParams", Reason: "set DisplayName and/or SeatsPurchased"}
	}
	if params.DisplayName != nil {
		if err := validateDisplayName("UpdateWorkspaceParams.DisplayName", *params.DisplayName); err != nil {
			return nil, err
		}
	}
	if params.SeatsPurchased != nil {
		if err := validateSeats("UpdateWorkspaceParams.SeatsPurchased", *params.SeatsPurchased); err != nil {
			return nil, err
		}
	}
	req, err := wire.NewWorkspaceUpdateRequest(c.serverURL, workspaceID, wire.WorkspaceUpdateJSONRequestBody{
		DisplayName:    params.DisplayName,
		SeatsPurchased: params.SeatsPurchased,
	})
	if err != nil {
		return nil, buildError(op, err)
	}
	var out workspaceJSON
	if err := c.call(ctx, operation{name: op, retry: retrySafe, opts: opts, ws: workspaceID}, req, &out); err != nil {
		return nil, err
	}
	return out.public(), nil
}

// Response mirrors, decoded tolerantly (see decode.go).

type workspaceJSON struct {
	ID               jsonString            `json:"workspace_id"`
	DisplayName      string                `json:"display_name"`
	PlanID           jsonInt               `json:"plan_id"`
	SeatsTotal       jsonInt               `json:"seats_total"`
	SeatsAvailable   jsonInt               `json:"seats_available"`
	UpdatedAt        jsonTime              `json:"updated_at"`
	CreatedAt        jsonTime              `json:"created_at"`
	OwnerUserID      jsonInt               `json:"owner_user_id"`
	GroupID          jsonInt               `json:"group_id"`
	SuspendedMembers []suspendedMemberJSON `json:"suspended_members"`
}

type suspendedMemberJSON struct {
	UserID            jsonInt  `json:"user_id"`
	WhatsAppAccountID jsonInt  `json:"whatsapp_account_id"`
	PhoneNumbers      []string `json:"phone_numbers"`
}

func (w *workspaceJSON) public() *Workspace {
	out := &Workspace{
		ID:          string(w.ID),
		DisplayName: w.DisplayName,
		PlanID:      int64(w.PlanID),
		Seats:       seatsQuota(w.SeatsTotal, w.SeatsAvailable),
		UpdatedAt:   w.UpdatedAt.Time(),
		CreatedAt:   w.CreatedAt.Time(),
		OwnerUserID: int64(w.OwnerUserID),
		GroupID:     int64(w.GroupID),
	}
	if len(w.SuspendedMembers) > 0 {
		out.SuspendedMembers = make([]SuspendedMember, len(w.SuspendedMembers))
		for i, m := range w.SuspendedMembers {
			out.SuspendedMembers[i] = SuspendedMember{
				UserID:            int64(m.UserID),
				WhatsAppAccountID: int64(m.WhatsAppAccountID),
				PhoneNumbers:      m.PhoneNumbers,
			}
		}
	}
	return out
}

type quotaJSON struct {
	Total       jsonInt  `json:"total"`
	Used        jsonInt  `json:"used"`
	PeriodStart jsonTime `json:"period_start"`
	PeriodEnd   jsonTime `json:"period_end"`
}

func (q quotaJSON) public() Quota {
	return Quota{Total: int(q.Total), Used: int(q.Used), PeriodStart: q.PeriodStart.Time(), PeriodEnd: q.PeriodEnd.Time()}
}

type workspaceDetailsJSON struct {
	ID                jsonString `json:"workspace_id"`
	DisplayName       string     `json:"display_name"`
	Seats             quotaJSON  `json:"seats"`
	MessagesQuota     quotaJSON  `json:"messages_quota"`
	APICallsQuota     quotaJSON  `json:"api_calls_quota"`
	NonRecurringQuota struct {
		RemainingBalance jsonInt  `json:"remaining_balance"`
		LastUpdatedAt    jsonTime `json:"last_updated_at"`
	} `json:"non_recurring_quota"`
	Users            []userJSON            `json:"users"`
	WhatsAppAccounts []whatsAppAccountJSON `json:"whatsapp_accounts"`
	QRLinks          []qrLinkJSON          `json:"qr_links"`
}

func (d *workspaceDetailsJSON) public() *WorkspaceDetails {
	out := &WorkspaceDetails{
		ID:            string(d.ID),
		DisplayName:   d.DisplayName,
		Seats:         d.Seats.public(),
		MessagesQuota: d.MessagesQuota.public(),
		APICallsQuota: d.APICallsQuota.public(),
		NonRecurringQuota: NonRecurringQuota{
			RemainingBalance: int(d.NonRecurringQuota.RemainingBalance),
			LastUpdatedAt:    d.NonRecurringQuota.LastUpdatedAt.Time(),
		},
		Users: usersPublic(d.Users),
	}
	if len(d.WhatsAppAccounts) > 0 {
		out.WhatsAppAccounts = make([]WhatsAppAccount, len(d.WhatsAppAccounts))
		for i := range d.WhatsAppAccounts {
			out.WhatsAppAccounts[i] = d.WhatsAppAccounts[i].public()
		}
	}
	if len(d.QRLinks) > 0 {
		out.QRLinks = make([]QRLink, len(d.QRLinks))
		for i := range d.QRLinks {
			out.QRLinks[i] = d.QRLinks[i].public()
		}
	}
	return out
}
