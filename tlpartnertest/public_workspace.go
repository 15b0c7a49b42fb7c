package tlpartnertest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Invitation roles the Public API accepts (case-insensitive), and what the
// fake reports for members and invitations.
var publicRoles = []string{"admin", "team_supervisor", "teammate", "agent", "collaborator"}

// Teammate statuses of the fake's Public API (the lower-case form of the
// reference, C16).
const (
	TeammateActive    = "active"    // a user of the workspace
	TeammateSuspended = "suspended" // a user suspended by a seat downgrade
	TeammateInvited   = "invited"   // a pending invitation
)

// DefaultTeam is the team of an invitation without team_title.
const DefaultTeam = "Default team"

type wirePubQuota struct {
	Total       int64  `json:"total"`
	Used        int64  `json:"used"`
	PeriodStart string `json:"period_start"`
	PeriodEnd   string `json:"period_end"`
}

// pubGetWorkspace serves GET /workspace (identity, plan and quotas) and,
// with identity false, GET /workspace/quotas and GET /quotas. The
// messaging quota is the one the Partner API reports as messages_quota.
func (s *Server) pubGetWorkspace(q *pubReq, identity bool) *pubError {
	ps, pe := periodBounds(q.now)
	quota := func(total, used int64) wirePubQuota {
		return wirePubQuota{Total: total, Used: used, PeriodStart: pubStamp(ps), PeriodEnd: pubStamp(pe)}
	}
	msg, api := q.ws.quotaFor(QuotaMessaging, q.now), q.ws.quotaFor(QuotaAPICalls, q.now)
	out := map[string]any{
		"messaging_quota": quota(msg.total, msg.used),
		"api_calls_quota": quota(api.total, api.used),
		"seats":           quota(int64(q.ws.seatsPurchased), int64(q.ws.seatsUsed())),
		"non_recurring_quota": map[string]any{
			"remaining_balance": q.ws.nonRecurring, "last_updated_at": pubStamp(q.ws.createdAt),
		},
	}
	if identity {
		out["workspace_id"] = q.ws.id
		out["display_name"] = q.ws.displayName
		out["plan"] = PublicPlan
	}
	pubOK(q.w, out)
	return nil
}

type wirePubAccount struct {
	ID          string `json:"id"`
	Phone       string `json:"phone"`
	ConnectedOn string `json:"connected_on"`
	Status      string `json:"status"`
	OwnerName   string `json:"owner_name"`
	OwnerEmail  string `json:"owner_email"`
	AccountName string `json:"account_name"`
	IsVisible   bool   `json:"is_visible"`
}

// accountStatus is the WhatsApp account status the Public API reports:
// Active, Suspended (message syncing suspended) or Disconnected.
func (s *Server) accountStatus(a *account) string {
	switch {
	case !a.connected:
		return "Disconnected"
	case s.pub.suspended[a.id]:
		return "Suspended"
	}
	return "Active"
}

func (s *Server) accountWire(a *account) wirePubAccount {
	w := wirePubAccount{ID: wid(a.phone), Phone: a.phone, ConnectedOn: pubStamp(a.connectedAt), Status: s.accountStatus(a), IsVisible: true}
	if u := s.ownerOf(a); u != nil {
		w.OwnerName, w.OwnerEmail, w.AccountName = u.displayName, u.email, u.displayName
	}
	return w
}

// pubListAccounts serves GET /whatsapp_accounts: every account the
// workspace ever connected, like the Partner API's GetWorkspace.
func (s *Server) pubListAccounts(q *pubReq) *pubError {
	out := []wirePubAccount{}
	for _, a := range q.ws.accounts {
		out = append(out, s.accountWire(a))
	}
	pubOK(q.w, map[string]any{"whatsapp_accounts": out})
	return nil
}

type wireTeammate struct {
	UserID           int64            `json:"user_id"`
	DisplayName      string           `json:"display_name"`
	Email            string           `json:"email"`
	Status           string           `json:"status"`
	CreatedAt        string           `json:"created_at"`
	Role             string           `json:"role"`
	WhatsAppAccounts []wirePubAccount `json:"whatsapp_accounts"`
	Team             string           `json:"team,omitempty"`
	InvitationStatus string           `json:"invitation_status,omitempty"`
}

func (s *Server) teammateWire(u *user) wireTeammate {
	w := wireTeammate{UserID: u.id, DisplayName: u.displayName, Email: u.email, Status: TeammateActive,
		CreatedAt: pubStamp(u.createdAt), Role: u.role, WhatsAppAccounts: []wirePubAccount{}}
	if u.status == UserStatusSuspended {
		w.Status = TeammateSuspended
	}
	for _, a := range u.ws.accounts {
		if a.userID == u.id && a.connected {
			w.WhatsAppAccounts = append(w.WhatsAppAccounts, s.accountWire(a))
		}
	}
	return w
}

func inviteWire(in *pubInvite) wireTeammate {
	return wireTeammate{UserID: in.id, DisplayName: strings.TrimSpace(in.firstName + " " + in.lastName), Email: in.email,
		Status: TeammateInvited, CreatedAt: pubStamp(in.createdAt), Role: in.role, WhatsAppAccounts: []wirePubAccount{},
		Team: in.team, InvitationStatus: "Pending"}
}

// pubListTeammates serves GET /workspace/teammates (and /teammates): the
// workspace's users, then its pending invitations.
func (s *Server) pubListTeammates(q *pubReq) *pubError {
	out := []wireTeammate{}
	for _, u := range q.ws.users {
		out = append(out, s.teammateWire(u))
	}
	for _, in := range q.pw.invites {
		out = append(out, inviteWire(in))
	}
	pubOK(q.w, map[string]any{"teammates": out})
	return nil
}

func (s *Server) pubInvite(q *pubReq) *pubError {
	var b struct {
		Email     *string `json:"email"`
		FirstName *string `json:"first_name"`
		LastName  *string `json:"last_name"`
		TeamTitle *string `json:"team_title"`
		Role      *string `json:"role"`
	}
	if e := q.decode(&b); e != nil {
		return e
	}
	email := strings.TrimSpace(deref(b.Email))
	if email == "" {
		return badField("email", "email is required")
	}
	if at := strings.IndexByte(email, '@'); at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n") {
		return badField("email", "email is not a valid address")
	}
	role := strings.ToLower(strings.TrimSpace(deref(b.Role)))
	if role == "" {
		role = "teammate"
	}
	if !slices.Contains(publicRoles, role) {
		return badField("role", "role must be one of "+strings.Join(publicRoles, ", "))
	}
	team := strings.TrimSpace(deref(b.TeamTitle))
	if team == "" {
		team = DefaultTeam
	}
	taken := slices.ContainsFunc(q.ws.users, func(u *user) bool { return strings.EqualFold(u.email, email) }) ||
		slices.ContainsFunc(q.pw.invites, func(in *pubInvite) bool { return strings.EqualFold(in.email, email) })
	if taken {
		return &pubError{status: http.StatusConflict, code: PublicCodeConflict,
			message: "this email is already a teammate or invited", fields: []string{"email"}}
	}
	s.nextUserID++
	in := &pubInvite{id: s.nextUserID, pw: q.pw, email: email, firstName: deref(b.FirstName), lastName: deref(b.LastName),
		team: team, role: role, createdAt: q.now}
	q.pw.invites = append(q.pw.invites, in)
	s.pub.invites[in.id] = in
	pubOK(q.w, inviteWire(in))
	return nil
}

func (s *Server) pubRevokeInvitation(q *pubReq, rawID string) *pubError {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil || id <= 0 {
		return notFound("Invitation")
	}
	in := s.pub.invites[id]
	if in == nil {
		if u := s.users[id]; u != nil && u.ws == q.ws {
			return badField("user_id", "this user is a member, not a pending invitation")
		}
		return notFound("Invitation")
	}
	if in.pw != q.pw {
		return denied()
	}
	delete(s.pub.invites, id)
	q.pw.invites = slices.DeleteFunc(q.pw.invites, func(x *pubInvite) bool { return x == in })
	writeRaw(q.w, http.StatusOK, map[string]string{"status": "ok", "message": "Invitation revoked successfully"})
	return nil
}
