package tlpartnertest

import (
	"fmt"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/embed"
)

// Values the fake uses for fields the docs leave open.
const (
	RoleOwner = "owner" // role of the automatically created Owner user
	RoleAgent = "agent" // role of users made by CreateUsers

	UserStatusActivated = "activated" // status of a usable user
	UserStatusSuspended = "suspended" // status of a user suspended by a seat downgrade

	ConnectionConnected    = "connected"    // connection_status of a connected account
	ConnectionDisconnected = "disconnected" // connection_status after any disconnect

	// PlanID is the plan_id reported for every workspace.
	PlanID = 1
)

// Default quota allowances of a new workspace, per billing period (calendar
// month, UTC). Change them with [Server.SetQuota].
const (
	DefaultMessagingQuota    = 10000
	DefaultAPICallsQuota     = 100000
	DefaultTransactionsQuota = 1000
)

type partnerState struct {
	id, secret   string
	active       bool
	webhookURL   string
	embedOrigins []string
}

type workspace struct {
	id, displayName string
	partnerID       string
	groupID         int64
	seatsPurchased  int
	createdAt       time.Time
	updatedAt       time.Time
	ownerID         int64
	users           []*user    // creation order
	accounts        []*account // every account ever connected, connection order
	token           string
	billingManaged  bool
	quotas          map[QuotaKind]*quota
	seatsFullPeriod time.Time // start of the period seats_full last fired in
	nonRecurring    int64
}

type user struct {
	id          int64
	ws          *workspace
	displayName string
	email       string
	role        string
	status      string
	createdAt   time.Time
	account     *account // currently connected account, or nil
	link        *qrLink  // most recent link, or nil
}

type account struct {
	id             int64
	userID         int64
	phone          string
	connected      bool
	status         string
	connectedAt    time.Time
	disconnectedAt time.Time
}

type linkState int

const (
	linkActive linkState = iota
	linkRevoked
	linkUsed
)

type qrLink struct {
	token     string
	url       string
	ws        *workspace
	user      *user
	createdAt time.Time
	expiresAt time.Time
	state     linkState

	// pairing
	pairingPhone string
	pairingCode  string

	// events for the QR page's EventSource
	events []pageEvent
	notify chan struct{} // closed and replaced on every new event
}

type pageEvent struct {
	name string // "connected" or "qr-error"
	data string // JSON
}

type quota struct {
	total       int64
	used        int64
	periodStart time.Time
	nearFired   bool
	fullFired   bool
}

// QuotaKind names a per-period workspace quota, for [Server.SetUsage] and
// [Server.SetQuota].
type QuotaKind string

// The quotas the fake tracks.
const (
	// QuotaMessaging is messages_quota; it fires
	// workspace:quota_near_full:messaging at 90 % and
	// workspace:quota_full:messaging at 100 %.
	QuotaMessaging QuotaKind = "messaging"
	// QuotaAPICalls is api_calls_quota; it fires
	// workspace:quota_full:api_calls at 100 %.
	QuotaAPICalls QuotaKind = "api_calls"
	// QuotaTransactions is the transactions quota (not shown by
	// GetWorkspace); it fires workspace:quota_full:transactions at 100 %.
	QuotaTransactions QuotaKind = "transactions"
)

func (q QuotaKind) valid() bool {
	return q == QuotaMessaging || q == QuotaAPICalls || q == QuotaTransactions
}

// periodBounds returns the calendar month (UTC) containing t: its first
// instant and its last second, like the docs' examples.
func periodBounds(t time.Time) (start, end time.Time) {
	t = t.UTC()
	start = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	end = start.AddDate(0, 1, 0).Add(-time.Second)
	return start, end
}

// quotaFor returns q rolled over to the current period if needed.
func (w *workspace) quotaFor(k QuotaKind, now time.Time) *quota {
	q := w.quotas[k]
	start, _ := periodBounds(now)
	if !q.periodStart.Equal(start) {
		q.periodStart = start
		q.used = 0
		q.nearFired = false
		q.fullFired = false
	}
	return q
}

func (w *workspace) seatsUsed() int {
	n := 0
	for _, u := range w.users {
		if u.status != UserStatusSuspended {
			n++
		}
	}
	return n
}

func (w *workspace) seatsAvailable() int {
	if a := w.seatsPurchased - w.seatsUsed(); a > 0 {
		return a
	}
	return 0
}

// QRLinkState is the state of a QR link issued by the fake, as reported by
// [Server.QRLinkStatus].
type QRLinkState string

// The states of a QR link.
const (
	// QRLinkActive: the link can still connect a WhatsApp account.
	QRLinkActive QRLinkState = "active"
	// QRLinkExpired: the link's expiry (expires_in_hours) has passed on the
	// fake's domain clock.
	QRLinkExpired QRLinkState = "expired"
	// QRLinkRevoked: a newer link for the same user replaced it, or a seat
	// downgrade suspended its user.
	QRLinkRevoked QRLinkState = "revoked"
	// QRLinkUsed: the link connected a WhatsApp account.
	QRLinkUsed QRLinkState = "used"
)

// status reports the state of a link at now, turning expiry into a state.
func (l *qrLink) status(now time.Time) QRLinkState {
	switch {
	case l.state == linkUsed:
		return QRLinkUsed
	case l.state == linkRevoked:
		return QRLinkRevoked
	case !now.Before(l.expiresAt):
		return QRLinkExpired
	default:
		return QRLinkActive
	}
}

// deadMessage is what the QR page says for a link that cannot connect.
func deadMessage(status string) string {
	switch status {
	case "used":
		return "This QR link was already used to connect a WhatsApp account. Ask for a new link."
	case "revoked":
		return "This QR link was replaced by a newer one. Ask for a new link."
	case "expired":
		return "This QR link has expired. Ask for a new link."
	case "suspended":
		return "This user is suspended. Ask for a new link."
	}
	return "This QR link is not valid."
}

func (l *qrLink) push(name, data string) {
	l.events = append(l.events, pageEvent{name: name, data: data})
	close(l.notify)
	l.notify = make(chan struct{})
}

// ValidE164 reports whether phone is an E.164 number with a leading '+'
// (country code and subscriber number, 7 to 15 digits), the format the fake
// requires in [Server.SimulateScan] and the pairing-code flow. It is the rule
// of [embed.ValidatePhone], which the partner-side widget applies too.
func ValidE164(phone string) bool { return embed.ValidatePhone(phone) == nil }

// DeriveWorkspaceID returns the workspace_id the fake derives from a
// display name: lower-case ASCII letters and digits, every other run of
// characters turned into a single dash, no leading or trailing dash, at most
// 30 characters. It returns "" when nothing usable is left.
func DeriveWorkspaceID(displayName string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(displayName) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if b.Len() > 0 && !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	id := strings.TrimRight(b.String(), "-")
	if len(id) > 30 {
		id = strings.TrimRight(id[:30], "-")
	}
	return id
}

func systemEmail(userID int64, workspaceID string) string {
	return fmt.Sprintf("%d-%s@partners.timelines.ai", userID, workspaceID)
}

// stamp formats a time the way the fake writes every date-time field.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
