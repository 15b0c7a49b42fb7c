package tlpartnertest

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// FilesPrefix is the path under which the fake serves the temporary
// download URLs of files uploaded through the Public API.
const FilesPrefix = "/_files"

// Limits and values of the fake's Public API, where the docs leave them open.
const (
	// PublicPageSize is the fixed page size of GET /chats and GET
	// /chats/{id}/messages (the real API's observed 50).
	PublicPageSize = 50
	// MaxWebhookSubscriptions is how many Public API webhook subscriptions
	// a workspace may have (the documented default of 10). Creating one
	// more answers 409 with error_code "webhook_limit_reached".
	MaxWebhookSubscriptions = 10
	// FileURLLifetime is how long a temporary download URL stays valid on
	// the fake's clock, counted from the last time the API handed it out.
	FileURLLifetime = 15 * time.Minute
	// MaxTextLength is the longest message or note text the fake accepts
	// (WhatsApp's own limit; the docs give none).
	MaxTextLength = 65536
	// PublicPlan is the plan GET /workspace reports.
	PublicPlan = "Business"
)

// Message statuses the fake's Public API reports (status and
// status_history). Outgoing messages go Queued → Sent → Delivered → Read,
// or end Failed; incoming ones are Received; notes have no status.
const (
	MessageQueued    = "Queued"
	MessageSent      = "Sent"
	MessageDelivered = "Delivered"
	MessageRead      = "Read"
	MessageFailed    = "Failed"
	MessageReceived  = "Received"
)

// Origins the fake writes in a message's origin field.
const (
	OriginPublicAPI = "Public API" // sent or noted through the Public API
	OriginWhatsApp  = "WhatsApp"   // received from a contact
)

// publicState holds every workspace's Public API data. Guarded by
// Server.mu.
type publicState struct {
	workspaces map[*workspace]*pubWorkspace
	chats      map[int64]*pubChat
	messages   map[string]*pubMessage
	files      map[string]*pubFile // by uid
	downloads  map[string]*pubFile // by download token
	hooks      map[int64]*pubHook
	invites    map[int64]*pubInvite
	suspended  map[int64]bool // account id: message syncing suspended
	pending    []*pubMessage  // outgoing messages still moving (not Read or Failed)
	nextChat   int64
	nextHook   int64
	nextSeq    int64
}

func (p *publicState) init() {
	p.workspaces = map[*workspace]*pubWorkspace{}
	p.chats = map[int64]*pubChat{}
	p.messages = map[string]*pubMessage{}
	p.files = map[string]*pubFile{}
	p.downloads = map[string]*pubFile{}
	p.hooks = map[int64]*pubHook{}
	p.invites = map[int64]*pubInvite{}
	p.suspended = map[int64]bool{}
	p.nextChat = 1000000
	p.nextHook = 789000
}

// pubWorkspace is one workspace's Public API data.
type pubWorkspace struct {
	ws       *workspace
	chats    []*pubChat // creation order
	files    []*pubFile // upload order
	hooks    []*pubHook // creation order
	invites  []*pubInvite
	nextSend map[int64]time.Time // account id: earliest send time of its next queued message
}

type pubChat struct {
	id           int64
	pw           *pubWorkspace
	acct         *account
	name         string
	phone        string
	closed       bool
	read         bool
	chatgpt      bool
	labels       []string
	responsible  *user // nil: unassigned
	createdAt    time.Time
	lastActivity time.Time
	messages     []*pubMessage // creation order
}

type statusStep struct {
	status string
	at     time.Time
}

type pubMessage struct {
	uid        string
	chat       *pubChat
	seq        int64
	fromMe     bool
	note       bool
	private    bool
	origin     string
	text       string
	attachment *pubFile // nil: none
	replyTo    string
	createdAt  time.Time
	senderName string // for incoming messages: the contact's name
	history    []statusStep
	sendAt     time.Time // when a queued message is sent
	credits    int       // charged for it; refunded when it fails
	chargedIn  time.Time // start of the quota period the credits were charged to
	reactions  []pubReaction
}

type pubReaction struct {
	name, phone, emoji string
	mine               bool // the workspace's own account reacted (through the API)
}

type pubFile struct {
	uid         string
	pw          *pubWorkspace
	filename    string
	mimetype    string
	data        []byte
	uploadedBy  string
	uploadedAt  time.Time
	token       string    // current download token
	urlExpires  time.Time // its expiry on the fake's clock
	deleted     bool
	templateFor int64 // attachment template id, for template attachments
}

type pubHook struct {
	id        int64
	pw        *pubWorkspace
	eventType string // as the subscriber spelled it
	enabled   bool
	url       string
	errors    int
}

type pubInvite struct {
	id        int64
	pw        *pubWorkspace
	email     string
	firstName string
	lastName  string
	team      string
	role      string
	createdAt time.Time
}

// pubWS returns ws's Public API data, creating it on first use. Call with
// s.mu held.
func (s *Server) pubWS(ws *workspace) *pubWorkspace {
	pw := s.pub.workspaces[ws]
	if pw == nil {
		pw = &pubWorkspace{ws: ws, nextSend: map[int64]time.Time{}}
		s.pub.workspaces[ws] = pw
	}
	return pw
}

func (m *pubMessage) status() string {
	if len(m.history) == 0 {
		return ""
	}
	return m.history[len(m.history)-1].status
}

func (m *pubMessage) setStatus(status string, at time.Time) {
	m.history = append(m.history, statusStep{status: status, at: at})
}

// latestAccount returns ws's most recently connected account that is
// still connected, or nil: the default sender and receiver.
func latestAccount(ws *workspace) *account {
	var a *account
	for _, x := range ws.accounts {
		if x.connected && (a == nil || !x.connectedAt.Before(a.connectedAt)) {
			a = x
		}
	}
	return a
}

// chatWith returns the direct chat between account a's number and phone,
// or nil. Chats belong to the number, so they survive a reconnection.
func (pw *pubWorkspace) chatWith(a *account, phone string) *pubChat {
	for _, c := range pw.chats {
		if c.phone == phone && c.acct.phone == a.phone {
			return c
		}
	}
	return nil
}

// wid is the WhatsApp ID of a phone number: its digits @s.whatsapp.net.
func wid(phone string) string {
	return strings.TrimPrefix(phone, "+") + "@s.whatsapp.net"
}

// ownerOf returns the user an account belongs to, or nil.
func (s *Server) ownerOf(a *account) *user {
	return s.users[a.userID]
}

// pubStamp formats a time the way the Public API writes date-times
// ("2006-01-02 15:04:05 -0700").
func pubStamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 -0700")
}

// newUUID returns a random (version 4) UUID, the form of message and file
// UIDs.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
