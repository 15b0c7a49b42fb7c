package publicapi

import (
	"context"
	"errors"

	"github.com/tlpartner/tlpartner-go/internal/publicwire"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// ListWhatsAppAccounts lists the WhatsApp accounts connected in the
// workspace.
//
// API: GET /whatsapp_accounts.
func (c *Client) ListWhatsAppAccounts(ctx context.Context, opts ...tlhttp.CallOption) ([]WhatsAppAccount, error) {
	op := safe("ListWhatsAppAccounts", opts)
	req, err := publicwire.NewListWhatsAppAccountsRequest(c.srv())
	return fetchList(ctx, c, op, req, err, "whatsapp_accounts", (*whatsAppAccountJSON).account)
}

// GetWorkspace returns the workspace's identity, plan and quota
// utilisation (messages, API calls, seats, one-off balance). The docs
// name two routes; when GET /workspace answers 404 the client asks the
// older GET /workspace/quotas once, which has the quotas but no identity
// or plan.
//
// API: GET /workspace, falling back to GET /workspace/quotas.
func (c *Client) GetWorkspace(ctx context.Context, opts ...tlhttp.CallOption) (*Workspace, error) {
	op := safe("GetWorkspace", opts)
	req, err := publicwire.NewGetWorkspaceRequest(c.srv())
	w, err := fetch(ctx, c, op, req, err, (*workspaceJSON).workspace)
	if errors.Is(err, ErrNotFound) {
		req, err = publicwire.NewGetQuotasRequest(c.srv())
		return fetch(ctx, c, op, req, err, (*workspaceJSON).workspace)
	}
	return w, err
}

// ListTeammates lists the workspace's teammates, invited ones included.
//
// API: GET /workspace/teammates.
func (c *Client) ListTeammates(ctx context.Context, opts ...tlhttp.CallOption) ([]Teammate, error) {
	op := safe("ListTeammates", opts)
	req, err := publicwire.NewListTeammatesRequest(c.srv())
	return fetchList(ctx, c, op, req, err, "teammates", (*teammateJSON).teammate)
}

// InviteTeammate invites p.Email to the workspace and returns the invited
// teammate. An invitation sends an email, so it is retried only when the
// request provably never reached the server.
//
// API: POST /workspace/invitations.
func (c *Client) InviteTeammate(ctx context.Context, p InviteTeammateParams, opts ...tlhttp.CallOption) (*Teammate, error) {
	op := unsent("InviteTeammate", opts)
	if err := checkEmail("InviteTeammateParams.Email", p.Email); err != nil {
		return nil, err
	}
	if err := checkRole(p.Role); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"InviteTeammateParams.FirstName", p.FirstName},
		{"InviteTeammateParams.LastName", p.LastName},
		{"InviteTeammateParams.TeamTitle", p.TeamTitle},
	} {
		if err := checkOptional(f.name, f.v); err != nil {
			return nil, err
		}
	}
	var role *publicwire.InviteTeammateRequestRole
	if p.Role != nil {
		r := publicwire.InviteTeammateRequestRole(*p.Role)
		role = &r
	}
	req, err := publicwire.NewInviteTeammateRequest(c.srv(), publicwire.InviteTeammateRequest{
		Email:     p.Email,
		FirstName: p.FirstName,
		LastName:  p.LastName,
		TeamTitle: p.TeamTitle,
		Role:      role,
	})
	return fetch(ctx, c, op, req, err, (*teammateJSON).teammate)
}

// RevokeInvitation revokes the pending invitation of the teammate with
// userID ([Teammate.UserID]).
//
// API: DELETE /workspace/invitations/{user_id}.
func (c *Client) RevokeInvitation(ctx context.Context, userID int64, opts ...tlhttp.CallOption) error {
	op := safe("RevokeInvitation", opts)
	if err := checkPositive("userID", userID); err != nil {
		return err
	}
	req, err := publicwire.NewRevokeInvitationRequest(c.srv(), userID)
	return done(ctx, c, op, req, err)
}
