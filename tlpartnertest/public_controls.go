package tlpartnertest

import (
	"errors"
	"fmt"
	"time"

	emojirule "github.com/tlpartner/tlpartner-go/internal/emoji"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

// Errors of the Public API test controls. Match them with errors.Is.
var (
	// ErrUnknownMessage: no Public API message with that UID in the workspace.
	ErrUnknownMessage = errors.New("tlpartnertest: unknown message")
	// ErrUnknownChat: no Public API chat with that ID in the workspace.
	ErrUnknownChat = errors.New("tlpartnertest: unknown chat")
)

// IncomingMessage describes a message made by [Server.SimulateIncomingMessage].
type IncomingMessage struct {
	// ChatID is the chat it arrived in (created if the contact had none).
	ChatID int64
	// MessageUID is the message's uid.
	MessageUID string
	// WhatsAppAccountID is the receiving account's WhatsApp ID
	// (phone digits@s.whatsapp.net).
	WhatsAppAccountID string
	// NewChat is true when the message opened a new chat.
	NewChat bool
}

// SimulateIncomingMessage makes the contact fromPhone (E.164) send text to
// the workspace's most recently connected WhatsApp account, as if it came
// in over WhatsApp. The contact's chat is created if needed (firing
// chat:new and chat:incoming:new), the chat becomes unread, and
// message:new and message:received:new go to the matching Public API
// webhook subscriptions. It fails with [ErrUnknownWorkspace],
// [ErrInvalidPhone] or [ErrNotConnected].
func (s *Server) SimulateIncomingMessage(workspaceID, fromPhone, text string) (*IncomingMessage, error) {
	if !ValidE164(fromPhone) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidPhone, fromPhone)
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, err := s.controlWorkspace(workspaceID)
	if err != nil {
		return nil, err
	}
	a := latestAccount(ws)
	if a == nil {
		return nil, fmt.Errorf("%w in workspace %q", ErrNotConnected, workspaceID)
	}
	pw := s.pubWS(ws)
	chat := pw.chatWith(a, fromPhone)
	out := &IncomingMessage{WhatsAppAccountID: wid(a.phone)}
	if chat == nil {
		chat = s.pubNewChat(pw, a, fromPhone, fromPhone, now, false)
		out.NewChat = true
	}
	chat.acct = a
	m := &pubMessage{uid: newUUID(), origin: OriginWhatsApp, text: text, createdAt: now}
	m.setStatus(MessageReceived, now)
	s.pubAddMessage(chat, m)
	chat.read = false
	s.pubEmitMessage(m, now)
	out.ChatID, out.MessageUID = chat.id, m.uid
	return out, nil
}

// SimulateReaction makes the contact fromPhone (E.164) react to a message
// with emoji, or with "" clear its reaction, as if done in WhatsApp; it
// fires message:reaction. It fails with [ErrUnknownWorkspace],
// [ErrUnknownMessage] or [ErrInvalidPhone], and for an emoji that is not
// exactly one emoji.
func (s *Server) SimulateReaction(workspaceID, messageUID, fromPhone, emoji string) error {
	if !ValidE164(fromPhone) {
		return fmt.Errorf("%w: %q", ErrInvalidPhone, fromPhone)
	}
	if emoji != "" && !emojirule.IsSingle(emoji) {
		return fmt.Errorf("tlpartnertest: %q is not exactly one emoji", emoji)
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.controlMessage(workspaceID, messageUID)
	if err != nil {
		return err
	}
	name := fromPhone
	if fromPhone == m.chat.phone {
		name = m.chat.name
	}
	s.pubReact(m, pubReaction{name: name, phone: fromPhone, emoji: emoji}, now)
	return nil
}

// controlMessage finds a message for a test control. Call with s.mu held.
func (s *Server) controlMessage(workspaceID, uid string) (*pubMessage, error) {
	ws, err := s.controlWorkspace(workspaceID)
	if err != nil {
		return nil, err
	}
	m := s.pub.messages[uid]
	if m == nil || m.chat.pw.ws != ws {
		return nil, fmt.Errorf("%w %q in %q", ErrUnknownMessage, uid, workspaceID)
	}
	return m, nil
}

// SimulateChatAssignment assigns a chat to the teammate with email (empty:
// unassigns it), as if done in the TimelinesAI app, and fires
// chat:responsible:assigned (with the previous assignee) or
// chat:responsible:unassigned. Assigning the current assignee again does
// nothing. It fails with [ErrUnknownWorkspace], [ErrUnknownChat] or
// [ErrUnknownUser] (no active user with that email).
func (s *Server) SimulateChatAssignment(workspaceID string, chatID int64, email string) error {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, err := s.controlWorkspace(workspaceID)
	if err != nil {
		return err
	}
	c := s.pub.chats[chatID]
	if c == nil || c.pw.ws != ws {
		return fmt.Errorf("%w %d in %q", ErrUnknownChat, chatID, workspaceID)
	}
	var u *user
	if email != "" {
		if u = s.teammateByEmail(ws, email); u == nil {
			return fmt.Errorf("%w with email %q in %q", ErrUnknownUser, email, workspaceID)
		}
	}
	s.pubAssign(c, u, now)
	return nil
}

// SimulateSyncSuspended suspends message syncing of the user's connected
// WhatsApp account (for example after a subscription change): the Public
// API lists it as Suspended, sends from it fail with error_code
// whatsapp_account_suspended and its queued messages wait, and
// whatsapp:account:suspended is fired. [Server.SimulateSyncResumed] undoes
// it. Both fail with [ErrNotConnected] when the user has no connected
// account.
func (s *Server) SimulateSyncSuspended(workspaceID string, userID int64) error {
	return s.setSyncSuspended(workspaceID, userID, true)
}

// SimulateSyncResumed resumes message syncing suspended by
// [Server.SimulateSyncSuspended] and fires whatsapp:account:resumed;
// queued messages move on.
func (s *Server) SimulateSyncResumed(workspaceID string, userID int64) error {
	return s.setSyncSuspended(workspaceID, userID, false)
}

func (s *Server) setSyncSuspended(workspaceID string, userID int64, suspended bool) error {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.controlUser(workspaceID, userID)
	if err != nil {
		return err
	}
	a := u.account
	if a == nil {
		return ErrNotConnected
	}
	if s.pub.suspended[a.id] == suspended {
		return nil
	}
	ev := events.EventWhatsAppAccountResumed
	if suspended {
		s.pub.suspended[a.id] = true
		ev = events.EventWhatsAppAccountSuspended
	} else {
		delete(s.pub.suspended, a.id)
	}
	s.pubAccountEvent(u.ws, a, ev)
	s.pubAdvance(now)
	return nil
}

// CallKind selects the call event [Server.SimulateCall] fires.
type CallKind int

// The call events of the Public API webhooks.
const (
	CallIncomingMissed CallKind = iota + 1 // call:incoming:missed
	CallIncomingEnded                      // call:incoming:ended
	CallOutgoingEnded                      // call:outgoing:ended
)

// SimulateCall records a WhatsApp call between the workspace's most
// recently connected account and the contact phone (E.164) and fires the
// matching call:* webhook with call_details (duration in seconds, 0 for a
// missed call). It fails with [ErrUnknownWorkspace], [ErrInvalidPhone] or
// [ErrNotConnected].
func (s *Server) SimulateCall(workspaceID, phone string, kind CallKind, duration time.Duration, video bool) error {
	if !ValidE164(phone) {
		return fmt.Errorf("%w: %q", ErrInvalidPhone, phone)
	}
	var ev events.EventType
	var direction, status string
	switch kind {
	case CallIncomingMissed:
		ev, direction, status = events.EventCallIncomingMissed, "incoming", "missed"
	case CallIncomingEnded:
		ev, direction, status = events.EventCallIncomingEnded, "incoming", "ended"
	case CallOutgoingEnded:
		ev, direction, status = events.EventCallOutgoingEnded, "outgoing", "ended"
	default:
		return fmt.Errorf("tlpartnertest: unknown call kind %d", kind)
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, err := s.controlWorkspace(workspaceID)
	if err != nil {
		return err
	}
	a := latestAccount(ws)
	if a == nil {
		return fmt.Errorf("%w in workspace %q", ErrNotConnected, workspaceID)
	}
	pw := s.pubWS(ws)
	chat := pw.chatWith(a, phone)
	if chat == nil {
		chat = s.pubNewChat(pw, a, phone, phone, now, direction == "outgoing")
	}
	acct := s.whAccountOf(a)
	contact, me := whParty{chat.name, phone}, whParty{acct.FullName, a.phone}
	caller, callee := contact, me
	if direction == "outgoing" {
		caller, callee = me, contact
	}
	secs := int(duration / time.Second)
	if kind == CallIncomingMissed {
		secs = 0
	}
	type details struct {
		Duration   int     `json:"duration"`
		Direction  string  `json:"direction"`
		IsVideo    bool    `json:"is_video"`
		Status     string  `json:"status"`
		Timestamp  string  `json:"timestamp"`
		MessageUID string  `json:"message_uid"`
		Caller     whParty `json:"caller"`
		Recipient  whParty `json:"recipient"`
	}
	body := struct {
		EventType       events.EventType `json:"event_type"`
		Chat            whChat           `json:"chat"`
		WhatsAppAccount whAccount        `json:"whatsapp_account"`
		CallDetails     details          `json:"call_details"`
	}{ev, s.whChatOf(chat), acct, details{Duration: secs, Direction: direction, IsVideo: video, Status: status,
		Timestamp: pubStamp(now), MessageUID: newUUID(), Caller: caller, Recipient: callee}}
	s.pubEmit(pw, []events.EventType{ev}, func(events.EventType) any { return body })
	return nil
}

// MessageStatus returns the current status of a Public API message
// (Queued, Sent, Delivered, Read, Failed, Received; "" for notes), after
// moving the queue to the fake's current time. It fails with
// [ErrUnknownWorkspace] or [ErrUnknownMessage].
func (s *Server) MessageStatus(workspaceID, messageUID string) (string, error) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pubAdvance(now)
	m, err := s.controlMessage(workspaceID, messageUID)
	if err != nil {
		return "", err
	}
	return m.status(), nil
}
