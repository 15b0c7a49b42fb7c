package tlpartnertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// Errors returned by the test controls. Match them with errors.Is.
var (
	// ErrUnknownWorkspace: no workspace with that ID exists in the fake.
	ErrUnknownWorkspace = errors.New("tlpartnertest: unknown workspace")
	// ErrUnknownUser: no such user in that workspace.
	ErrUnknownUser = errors.New("tlpartnertest: unknown user")
	// ErrUnknownLink: the QR link was not issued by this fake.
	ErrUnknownLink = errors.New("tlpartnertest: unknown QR link")
	// ErrLinkNotActive: the QR link expired, was revoked by a newer link,
	// or was already used to connect.
	ErrLinkNotActive = errors.New("tlpartnertest: QR link is not active")
	// ErrInvalidPhone: the phone number is not E.164 with a leading '+'.
	ErrInvalidPhone = errors.New("tlpartnertest: phone number is not E.164")
	// ErrPhoneInUse: the phone number is already connected in the fake.
	ErrPhoneInUse = errors.New("tlpartnertest: phone number already connected")
	// ErrNotConnected: the user has no connected WhatsApp account.
	ErrNotConnected = errors.New("tlpartnertest: no connected WhatsApp account")
)

// Connection describes a WhatsApp account connected by [Server.SimulateScan].
type Connection struct {
	// WorkspaceID is the workspace of the link's user.
	WorkspaceID string
	// UserID is the user the account connected to.
	UserID int64
	// WhatsAppAccountID is the new account's whatsapp_account_id.
	WhatsAppAccountID int64
	// PhoneNumberE164 is the phone number passed to SimulateScan.
	PhoneNumberE164 string
	// ConnectedAt is the fake's clock at the connection.
	ConnectedAt time.Time
}

// controlLink finds the link a test control names (see [linkToken]). Call
// with s.mu held.
func (s *Server) controlLink(link string) (*qrLink, error) {
	l := s.links[linkToken(link)]
	if l == nil {
		return nil, ErrUnknownLink
	}
	return l, nil
}

// linkToken extracts the token from a QR link ("http://host/qr/TOKEN?..."),
// or accepts a bare token.
func linkToken(qrLink string) string {
	if !strings.Contains(qrLink, "/") {
		return qrLink
	}
	u, err := url.Parse(qrLink)
	if err != nil {
		return ""
	}
	rest, ok := strings.CutPrefix(u.Path, "/qr/")
	if !ok || strings.Contains(rest, "/") {
		return ""
	}
	return rest
}

// SimulateScan connects a WhatsApp account with the given E.164 phone number
// through qrLink, as if the user scanned the QR code (or entered the pairing
// code) on their phone. qrLink is the qr_link as issued (an embed URL with
// display_mode=embedding is accepted too).
//
// Like the real service it then: marks the link used (it cannot connect
// again), shows the account in GetWorkspace's whatsapp_accounts, makes the
// fake QR page post TIMELINES_QR_CONNECTED, and queues the
// whatsapp_account:connected webhook. It fails with [ErrUnknownLink],
// [ErrLinkNotActive] (expired, revoked or used), [ErrInvalidPhone] or
// [ErrPhoneInUse].
func (s *Server) SimulateScan(qrLink, phoneE164 string) (*Connection, error) {
	if !ValidE164(phoneE164) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidPhone, phoneE164)
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.controlLink(qrLink)
	if err != nil {
		return nil, err
	}
	if st := l.status(now); st != QRLinkActive {
		return nil, fmt.Errorf("%w (%s)", ErrLinkNotActive, st)
	}
	for _, ws := range s.workspaces {
		for _, a := range ws.accounts {
			if a.connected && a.phone == phoneE164 {
				return nil, ErrPhoneInUse
			}
		}
	}
	u := l.user
	if u.status == UserStatusSuspended {
		return nil, fmt.Errorf("%w (user suspended)", ErrLinkNotActive)
	}
	if u.account != nil { // cannot happen via the API (a new link disconnects), kept for safety
		s.disconnectAccount(u, now, "(replaced by a new connection)")
	}
	s.nextAcctID++
	a := &account{id: s.nextAcctID, userID: u.id, phone: phoneE164, connected: true, status: ConnectionConnected, connectedAt: now}
	u.ws.accounts = append(u.ws.accounts, a)
	u.account = a
	l.state = linkUsed
	l.push("connected", "{}")
	s.emitWebhook(u.ws, webhookAccount{
		webhookBase: s.base(u.ws, webhooks.EventWhatsAppAccountConnected, now),
		AccountID:   a.id, Phone: a.phone, UserID: u.id,
	})
	s.pubAccountEvent(u.ws, a, events.EventWhatsAppAccountConnected)
	return &Connection{WorkspaceID: u.ws.id, UserID: u.id, WhatsAppAccountID: a.id, PhoneNumberE164: a.phone, ConnectedAt: now}, nil
}

// SimulatePhoneDisconnect disconnects the user's WhatsApp account from the
// phone side (for example the user logged out in WhatsApp): the account
// shows as disconnected and the whatsapp_account:disconnected webhook is
// queued with the given reason (free text, for example "(logged out)"; empty
// means "(logged out)"). It fails with [ErrNotConnected] when nothing is
// connected.
func (s *Server) SimulatePhoneDisconnect(workspaceID string, userID int64, reason string) error {
	if reason == "" {
		reason = "(logged out)"
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.controlUser(workspaceID, userID)
	if err != nil {
		return err
	}
	if u.account == nil {
		return ErrNotConnected
	}
	s.disconnectAccount(u, now, reason)
	return nil
}

// controlWorkspace finds a workspace for a test control. Call with s.mu held.
func (s *Server) controlWorkspace(workspaceID string) (*workspace, error) {
	ws := s.workspaces[workspaceID]
	if ws == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownWorkspace, workspaceID)
	}
	return ws, nil
}

// controlUser finds a user for a test control. Call with s.mu held.
func (s *Server) controlUser(workspaceID string, userID int64) (*user, error) {
	ws, err := s.controlWorkspace(workspaceID)
	if err != nil {
		return nil, err
	}
	u := s.users[userID]
	if u == nil || u.ws != ws {
		return nil, fmt.Errorf("%w %d in %q", ErrUnknownUser, userID, workspaceID)
	}
	return u, nil
}

// SetUsage sets how much of a quota the workspace used in the current
// billing period (calendar month of the fake's clock) and fires the Partner
// webhooks a real workspace would: for [QuotaMessaging]
// workspace:quota_near_full:messaging at 90 % or more and
// workspace:quota_full:messaging at 100 % or more; for [QuotaAPICalls]
// workspace:quota_full:api_calls at 100 %; for [QuotaTransactions]
// workspace:quota_full:transactions at 100 %. Each event fires at most once
// per period; lowering usage does not re-arm it.
func (s *Server) SetUsage(workspaceID string, q QuotaKind, used int) error {
	return s.setQuotaField(workspaceID, q, "usage", int64(used), func(qq *quota) *int64 { return &qq.used })
}

// SetQuota sets a workspace's allowance (total) for a quota in the current
// period. Usage is kept; thresholds crossed by the change fire webhooks like
// [Server.SetUsage].
func (s *Server) SetQuota(workspaceID string, q QuotaKind, total int) error {
	return s.setQuotaField(workspaceID, q, "quota total", int64(total), func(qq *quota) *int64 { return &qq.total })
}

// setQuotaField sets the number field picks (named name in errors) of a
// workspace quota in the current period to v and fires the webhooks of the
// thresholds this crosses.
func (s *Server) setQuotaField(workspaceID string, k QuotaKind, name string, v int64, field func(*quota) *int64) error {
	if !k.valid() {
		return fmt.Errorf("tlpartnertest: unknown quota kind %q", k)
	}
	if v < 0 {
		return fmt.Errorf("tlpartnertest: %s must not be negative", name)
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, err := s.controlWorkspace(workspaceID)
	if err != nil {
		return err
	}
	q := ws.quotaFor(k, now)
	*field(q) = v
	s.checkQuota(ws, k, q, now)
	return nil
}

// checkQuota fires the threshold webhooks of one quota. Call with s.mu held.
func (s *Server) checkQuota(ws *workspace, k QuotaKind, q *quota, now time.Time) {
	if q.total <= 0 {
		return
	}
	ps, pe := periodBounds(now)
	pct := q.used * 100 / q.total
	switch k {
	case QuotaMessaging:
		mk := func(event webhooks.EventType) webhookMessaging {
			p := pct
			if p > 100 {
				p = 100
			}
			return webhookMessaging{webhookBase: s.base(ws, event, now), Total: q.total, Used: q.used,
				UtilizationPct: p, CurrentPeriodStart: stamp(ps), CurrentPeriodEnd: stamp(pe)}
		}
		if q.used*10 >= q.total*9 && !q.nearFired {
			q.nearFired = true
			s.emitWebhook(ws, mk(webhooks.EventMessagingQuotaNearFull))
		}
		if q.used >= q.total && !q.fullFired {
			q.fullFired = true
			s.emitWebhook(ws, mk(webhooks.EventMessagingQuotaFull))
		}
	case QuotaAPICalls:
		if q.used >= q.total && !q.fullFired {
			q.fullFired = true
			s.emitWebhook(ws, webhookAPICalls{webhookBase: s.base(ws, webhooks.EventAPICallsQuotaFull, now),
				Limit: q.total, Used: q.used, CurrentPeriodStart: stamp(ps), CurrentPeriodEnd: stamp(pe)})
		}
	case QuotaTransactions:
		if q.used >= q.total && !q.fullFired {
			q.fullFired = true
			s.emitWebhook(ws, webhookTransactions{webhookBase: s.base(ws, webhooks.EventTransactionsQuotaFull, now),
				CurrentPeriodStart: stamp(ps), CurrentPeriodEnd: stamp(pe)})
		}
	}
}

// EmitQRError makes the fake QR page open at qrLink post TIMELINES_ERROR
// {error: "", message} to the allowed parent origins, as the real page does
// for a QR mismatch, a ban, a logout or a pairing timeout. The event is
// also replayed to pages that open later. It fails with [ErrUnknownLink].
func (s *Server) EmitQRError(qrLink, message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.controlLink(qrLink)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]string{"message": message})
	l.push("qr-error", string(b))
	return nil
}

// PairingCode returns the last 8-digit pairing code the fake QR page issued
// for qrLink and the phone number it was requested for.
func (s *Server) PairingCode(qrLink string) (code, phone string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.controlLink(qrLink)
	if err != nil {
		return "", "", err
	}
	if l.pairingCode == "" {
		return "", "", errors.New("tlpartnertest: no pairing code requested for this link")
	}
	return l.pairingCode, l.pairingPhone, nil
}

// QRLinkStatus reports the state of a QR link issued by the fake:
// [QRLinkActive], [QRLinkExpired], [QRLinkRevoked] or [QRLinkUsed]. It fails
// with [ErrUnknownLink].
func (s *Server) QRLinkStatus(qrLink string) (QRLinkState, error) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.controlLink(qrLink)
	if err != nil {
		return "", err
	}
	return l.status(now), nil
}

// PublicAPITokenValid reports whether token is the current Public API token
// of the workspace; rotated tokens are no longer valid.
func (s *Server) PublicAPITokenValid(workspaceID, token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := s.workspaces[workspaceID]
	return ws != nil && ws.token != "" && ws.token == token
}

// SetBillingManaged marks a workspace as billing-managed (self-paid): every
// Partner API call on it then fails with 403 workspace_billing_managed.
func (s *Server) SetBillingManaged(workspaceID string, managed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, err := s.controlWorkspace(workspaceID)
	if err != nil {
		return err
	}
	ws.billingManaged = managed
	return nil
}

// SetPartnerActive enables or disables a partner; requests of a disabled
// partner fail with 401 partner_not_active.
func (s *Server) SetPartnerActive(partnerID string, active bool) error {
	return s.withPartner(partnerID, func(p *partnerState) { p.active = active })
}

// SetEmbedOrigins replaces a partner's embedding allowlist (exact origins,
// scheme://host[:port]). QR pages loaded afterwards use the new list.
func (s *Server) SetEmbedOrigins(partnerID string, origins ...string) error {
	for _, o := range origins {
		if err := checkOrigin(o); err != nil {
			return fmt.Errorf("tlpartnertest: %w", err)
		}
	}
	return s.withPartner(partnerID, func(p *partnerState) { p.embedOrigins = cloneStrings(origins) })
}

// withPartner runs fn with s.mu held on a partner known to the fake.
func (s *Server) withPartner(partnerID string, fn func(p *partnerState)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.partners[partnerID]
	if p == nil {
		return fmt.Errorf("tlpartnertest: unknown partner %q", partnerID)
	}
	fn(p)
	return nil
}

// Snapshot is a read-only copy of one workspace's state, for assertions in
// tests (see [Server.Workspace]).
type Snapshot struct {
	// ID is the workspace ID (the API's workspace_id).
	ID string `json:"workspace_id"`
	// PartnerID is the partner that created and owns the workspace.
	PartnerID string `json:"partner_id"`
	// DisplayName is the workspace's current display name.
	DisplayName string `json:"display_name"`
	// SeatsPurchased is the number of seats the partner bought (the API's
	// seats_purchased, changed by UpdateWorkspace).
	SeatsPurchased int `json:"seats_purchased"`
	// SeatsUsed is the number of seats taken: users that are not suspended,
	// the Owner included.
	SeatsUsed int `json:"seats_used"`
	// OwnerUserID is the ID of the Owner user created with the workspace.
	OwnerUserID int64 `json:"owner_user_id"`
	// Users lists every user of the workspace in creation order, the Owner
	// first.
	Users []SnapshotUser `json:"users"`
	// PublicAPIToken is the workspace's current Public API token, or "" if
	// none was issued yet. It is the fake's token, never a real one; it is
	// included so Go tests can compare it with what the client returned.
	// Like every token in the SDK it is left out of JSON, so the control
	// API's snapshot never carries it; non-Go suites read it the way a
	// partner does, with GET /workspaces/{id}/api-token.
	PublicAPIToken string `json:"-"`
}

// SnapshotUser is one user in a [Snapshot].
type SnapshotUser struct {
	// ID is the user ID (the API's user_id).
	ID int64 `json:"user_id"`
	// Role is [RoleOwner] or [RoleAgent].
	Role string `json:"role"`
	// Status is [UserStatusActivated] or [UserStatusSuspended].
	Status string `json:"status"`
	// Email is the address the fake generated for the user.
	Email string `json:"email"`
	// WhatsAppAccountID is the ID of the connected WhatsApp account, 0 when
	// nothing is connected.
	WhatsAppAccountID int64 `json:"whatsapp_account_id,omitempty"`
	// PhoneNumberE164 is the connected account's phone number, "" when
	// nothing is connected.
	PhoneNumberE164 string `json:"phone_number_e164,omitempty"`
	// QRLink is the user's active QR link, or "" when the user has none
	// (never issued, expired, revoked or used).
	QRLink string `json:"qr_link,omitempty"`
}

// Workspace returns a snapshot of a workspace, or false if it does not exist.
func (s *Server) Workspace(workspaceID string) (Snapshot, bool) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := s.workspaces[workspaceID]
	if ws == nil {
		return Snapshot{}, false
	}
	snap := Snapshot{ID: ws.id, PartnerID: ws.partnerID, DisplayName: ws.displayName,
		SeatsPurchased: ws.seatsPurchased, SeatsUsed: ws.seatsUsed(), OwnerUserID: ws.ownerID,
		PublicAPIToken: ws.token}
	for _, u := range ws.users {
		su := SnapshotUser{ID: u.id, Role: u.role, Status: u.status, Email: u.email}
		if u.account != nil {
			su.WhatsAppAccountID = u.account.id
			su.PhoneNumberE164 = u.account.phone
		}
		if u.link != nil && u.link.status(now) == QRLinkActive {
			su.QRLink = u.link.url
		}
		snap.Users = append(snap.Users, su)
	}
	return snap, true
}
