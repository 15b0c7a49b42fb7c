package events

import (
	"encoding/json"
	"time"
)

// EventType is the value of a delivery's "event_type" field, which is also
// the event_type of the webhook subscription that produced it.
type EventType string

// Event types of the Public API webhooks. The constants hold the names that
// the webhook reference and the subscription API use; the overview page and
// the webhooks guide name the chat events differently ("chat:created",
// "chat:assigned", ...). [Parse] accepts both names and yields the same
// Go type; [EventType.Canonical] maps an overview name to the constant.
const (
	// EventMessageNew fires for every new message, incoming and outgoing.
	// Payload: [MessageNew].
	EventMessageNew EventType = "message:new"
	// EventMessageSent fires for a new outgoing message (sent from the
	// workspace's WhatsApp account, by any device or by the API). Payload:
	// [MessageSent].
	EventMessageSent EventType = "message:sent:new"
	// EventMessageReceived fires for a new incoming message. Payload:
	// [MessageReceived].
	EventMessageReceived EventType = "message:received:new"
	// EventMessageReaction fires when a reaction is set on a message or
	// cleared. It appears only in the overview's raw page, not in the
	// reference. Payload: [MessageReaction].
	EventMessageReaction EventType = "message:reaction"

	// EventChatNew fires for a new direct or group chat. The overview calls
	// it "chat:created". Payload: [ChatNew].
	EventChatNew EventType = "chat:new"
	// EventChatIncoming fires for a new direct chat started by the contact.
	// The overview calls it "chat:received:created". Payload:
	// [ChatIncoming].
	EventChatIncoming EventType = "chat:incoming:new"
	// EventChatOutgoing fires for a new direct chat started from the
	// workspace. The overview calls it "chat:sent:created". Payload:
	// [ChatOutgoing].
	EventChatOutgoing EventType = "chat:outgoing:new"
	// EventChatAssigned fires when a chat is assigned (or reassigned) to a
	// team member. The overview calls it "chat:assigned". Payload:
	// [ChatAssigned].
	EventChatAssigned EventType = "chat:responsible:assigned"
	// EventChatUnassigned fires when a chat's assignment is removed. The
	// overview calls it "chat:unassigned". Payload: [ChatUnassigned].
	EventChatUnassigned EventType = "chat:responsible:unassigned"

	// EventWhatsAppAccountConnected fires when a WhatsApp account
	// (re)connects ("Account reconnected" in the overview). Payload:
	// [WhatsAppAccountConnected].
	EventWhatsAppAccountConnected EventType = "whatsapp:account:connected"
	// EventWhatsAppAccountDisconnected fires when a WhatsApp account loses
	// its connection. Payload: [WhatsAppAccountDisconnected].
	EventWhatsAppAccountDisconnected EventType = "whatsapp:account:disconnected"
	// EventWhatsAppAccountSuspended fires when message syncing of an
	// account is suspended, for example after a subscription change
	// ("Syncing suspended" in the overview). Payload:
	// [WhatsAppAccountSuspended].
	EventWhatsAppAccountSuspended EventType = "whatsapp:account:suspended"
	// EventWhatsAppAccountResumed fires when message syncing resumes after
	// a suspension ("Syncing resumed" in the overview). Payload:
	// [WhatsAppAccountResumed].
	EventWhatsAppAccountResumed EventType = "whatsapp:account:resumed"

	// EventCallIncomingEnded fires when an answered incoming call ends.
	// Payload: [CallIncomingEnded].
	EventCallIncomingEnded EventType = "call:incoming:ended"
	// EventCallOutgoingEnded fires when an outgoing call ends. Payload:
	// [CallOutgoingEnded].
	EventCallOutgoingEnded EventType = "call:outgoing:ended"
	// EventCallIncomingMissed fires for a missed incoming call. Payload:
	// [CallIncomingMissed].
	EventCallIncomingMissed EventType = "call:incoming:missed"
)

// aliases maps the overview's names to the reference's.
var aliases = map[EventType]EventType{
	"chat:created":          EventChatNew,
	"chat:received:created": EventChatIncoming,
	"chat:sent:created":     EventChatOutgoing,
	"chat:assigned":         EventChatAssigned,
	"chat:unassigned":       EventChatUnassigned,
}

// Canonical returns the reference name for an overview name
// ("chat:created" gives [EventChatNew]) and t itself otherwise. Subscribe
// with canonical names.
func (t EventType) Canonical() EventType {
	if c, ok := aliases[t]; ok {
		return c
	}
	return t
}

// Known reports whether t (in either naming) is one of the 16 event types
// of this package.
func (t EventType) Known() bool {
	_, ok := known[t.Canonical()]
	return ok
}

// String returns the event type as sent on the wire.
func (t EventType) String() string { return string(t) }

// Event is a parsed Public API webhook delivery. Its dynamic type is a
// pointer to one of the 16 event structs of this package (*[MessageNew],
// *[ChatAssigned], *[WhatsAppAccountSuspended], ...) or, for an event type
// this package does not know, *[UnknownEvent]. Use a type switch to reach
// the fields.
type Event interface {
	// Type returns the canonical event type (for example [EventChatNew]
	// also when the delivery said "chat:created"); for an [UnknownEvent],
	// the event_type as delivered.
	Type() EventType
	// DedupKey returns a key identifying this event for de-duplication;
	// see the package documentation for how it is derived.
	DedupKey() string
}

// Contact is a person in an event: a message's sender or recipient, a
// reaction's author, a call's caller or callee.
type Contact struct {
	// FullName is the contact's name (full_name).
	FullName string `json:"full_name,omitempty"`
	// Phone is the contact's phone number in international form.
	Phone string `json:"phone,omitempty"`
}

// Attachment is a file attached to a message.
type Attachment struct {
	// TemporaryDownloadURL downloads the file for a limited time (the
	// lifetime is not documented).
	TemporaryDownloadURL string `json:"temporary_download_url,omitempty"`
	// Filename is the file's name.
	Filename string `json:"filename,omitempty"`
	// Size is the file's size in bytes.
	Size int64 `json:"size,omitempty"`
	// MIMEType is the file's media type (mimetype).
	MIMEType string `json:"mimetype,omitempty"`
}

// AccountInfo is the WhatsApp account an event happened on, as message,
// reaction, chat and call events describe it.
type AccountInfo struct {
	// FullName is the name shown for the account (full_name; in the docs'
	// example, the name of the agent who owns it).
	FullName string `json:"full_name,omitempty"`
	// Email is the owner's email address.
	Email string `json:"email,omitempty"`
	// Phone is the account's phone number.
	Phone string `json:"phone,omitempty"`
	// WID is the account's WhatsApp ID ("15551234567@s.whatsapp.net",
	// whatsapp_account_wid). Only one third-party client documents it;
	// empty when absent.
	WID string `json:"whatsapp_account_wid,omitempty"`
}

// WhatsAppAccount is the account that a WhatsApp account event is about.
// Its fields follow the REST API's WhatsApp account; the docs have no
// example payload for these events.
type WhatsAppAccount struct {
	// ID is the account's WhatsApp ID ("15559876543@s.whatsapp.net").
	ID string `json:"id,omitempty"`
	// Phone is the account's phone number.
	Phone string `json:"phone,omitempty"`
	// ConnectedAt is when the account was connected ("connected_on");
	// zero when absent.
	ConnectedAt time.Time `json:"connected_on,omitzero"`
	// DisconnectedAt is when the account was disconnected
	// ("disconnected_on"); zero when absent.
	DisconnectedAt time.Time `json:"disconnected_on,omitzero"`
	// Status is the account's status as free text (the REST example shows
	// "Active"; the values are not documented).
	Status string `json:"status,omitempty"`
	// AccountName is the account's display name.
	AccountName string `json:"account_name,omitempty"`
	// OwnerName is the name of the team member who owns the account.
	OwnerName string `json:"owner_name,omitempty"`
	// OwnerEmail is the owner's email address.
	OwnerEmail string `json:"owner_email,omitempty"`
}

// Chat is the chat an event is about. Message, reaction and call events
// carry a short form (ID, Name, ChatURL, IsGroup, Phone and the responsible
// agent); chat events carry the full form, close to the REST API's chat.
// Fields an event does not carry are zero.
type Chat struct {
	// ID is the chat's ID (chat_id in message events, id in chat events;
	// a number or a numeric string).
	ID int64 `json:"id,omitempty"`
	// Name is the chat's name (full_name in message events, name in chat
	// events).
	Name string `json:"name,omitempty"`
	// Phone is the contact's phone number (empty for groups).
	Phone string `json:"phone,omitempty"`
	// JID is the chat's WhatsApp ID ("14155551234@s.whatsapp.net",
	// "...@g.us" for groups).
	JID string `json:"jid,omitempty"`
	// IsGroup reports a group chat.
	IsGroup bool `json:"is_group,omitempty"`
	// Closed reports a closed chat.
	Closed bool `json:"closed,omitempty"`
	// Read reports whether the chat has been read.
	Read bool `json:"read,omitempty"`
	// Labels are the chat's labels.
	Labels []string `json:"labels,omitempty"`
	// Unattended reports a chat waiting for an answer (unattended_customer;
	// unattended in the REST API).
	Unattended bool `json:"unattended_customer,omitempty"`
	// ChatGPTAutoresponseEnabled reports whether ChatGPT auto-responses are
	// on for the chat.
	ChatGPTAutoresponseEnabled bool `json:"chatgpt_autoresponse_enabled,omitempty"`
	// WhatsAppAccountID is the WhatsApp ID of the account the chat belongs
	// to.
	WhatsAppAccountID string `json:"whatsapp_account_id,omitempty"`
	// ChatURL opens the chat in the TimelinesAI web app.
	ChatURL string `json:"chat_url,omitempty"`
	// CreatedAt is when the chat was created (created_timestamp).
	CreatedAt time.Time `json:"created_timestamp,omitzero"`
	// LastMessageUID is the UID of the chat's latest message
	// (last_message_uuid; last_message_uid in the REST API).
	LastMessageUID string `json:"last_message_uuid,omitempty"`
	// LastMessageAt is when the latest message was sent or received
	// (last_message_timestamp).
	LastMessageAt time.Time `json:"last_message_timestamp,omitzero"`
	// ResponsibleName is the name of the team member the chat is assigned
	// to; empty when unassigned.
	ResponsibleName string `json:"responsible_name,omitempty"`
	// ResponsibleEmail is that team member's email address.
	ResponsibleEmail string `json:"responsible_email,omitempty"`
	// PreviousResponsibleName is the name of the previous assignee; only
	// assignment events carry it.
	PreviousResponsibleName string `json:"previous_responsible_name,omitempty"`
	// PreviousResponsibleEmail is the previous assignee's email address.
	PreviousResponsibleEmail string `json:"previous_responsible_email,omitempty"`
}

// MessageDirection tells an incoming message from an outgoing one.
type MessageDirection string

// Message directions.
const (
	// DirectionSent is a message sent from the workspace's account.
	DirectionSent MessageDirection = "sent"
	// DirectionReceived is a message received by the workspace's account.
	DirectionReceived MessageDirection = "received"
)

// Message is the message of a message event. The REST API's message names
// its UID "uid"; webhooks name it "message_uid". Both are accepted.
type Message struct {
	// UID identifies the message (a UUID); use it with the REST API.
	UID string `json:"message_uid,omitempty"`
	// Text is the message text.
	Text string `json:"text,omitempty"`
	// Direction is [DirectionSent] or [DirectionReceived]. The docs'
	// example of an incoming message says "sent"; trust the event type
	// ([MessageReceived], [MessageSent]) over this field.
	Direction MessageDirection `json:"direction,omitempty"`
	// Origin is where the message came from, as free text (the docs'
	// example is "Public API"; the values are not documented).
	Origin string `json:"origin,omitempty"`
	// Timestamp is when the message was sent or received.
	Timestamp time.Time `json:"timestamp,omitzero"`
	// Sender is who sent the message.
	Sender Contact `json:"sender,omitzero"`
	// Recipient is who received the message.
	Recipient Contact `json:"recipient,omitzero"`
	// ReplyToUID is the UID of the message this one quotes; empty when it
	// quotes none.
	ReplyToUID string `json:"reply_to_uid,omitempty"`
	// Attachments are the message's files.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// ReactionAction tells a reaction that was set from one that was cleared.
type ReactionAction string

// Reaction actions.
const (
	// ReactionSet means the emoji was added.
	ReactionSet ReactionAction = "set"
	// ReactionCleared means the emoji was removed.
	ReactionCleared ReactionAction = "clear"
)

// Reaction is the reaction of a [MessageReaction] event.
type Reaction struct {
	// MessageUID is the UID of the message reacted to.
	MessageUID string `json:"message_uid,omitempty"`
	// Action is [ReactionSet] or [ReactionCleared].
	Action ReactionAction `json:"action,omitempty"`
	// Emoji is the reaction.
	Emoji string `json:"emoji,omitempty"`
	// Timestamp is when the reaction was set or cleared.
	Timestamp time.Time `json:"timestamp,omitzero"`
	// Reactor is who reacted.
	Reactor Contact `json:"reactor,omitzero"`
	// Reactions counts the message's reactions per emoji after the change.
	Reactions map[string]int `json:"reactions,omitempty"`
}

// CallDirection tells an incoming call from an outgoing one.
type CallDirection string

// Call directions.
const (
	// CallIncoming is a call to the workspace's account.
	CallIncoming CallDirection = "incoming"
	// CallOutgoing is a call from the workspace's account.
	CallOutgoing CallDirection = "outgoing"
)

// Call is the call_details object of a call event.
type Call struct {
	// Duration is the call's length as sent; the unit is not documented
	// (seconds are likely). 0 for a missed call.
	Duration int `json:"duration,omitempty"`
	// Direction is [CallIncoming] or [CallOutgoing].
	Direction CallDirection `json:"direction,omitempty"`
	// IsVideo reports a video call.
	IsVideo bool `json:"is_video,omitempty"`
	// Status is the call's status as free text (values not documented).
	Status string `json:"status,omitempty"`
	// Timestamp is when the call happened.
	Timestamp time.Time `json:"timestamp,omitzero"`
	// MessageUID is the UID of the chat entry that records the call.
	MessageUID string `json:"message_uid,omitempty"`
	// Caller is who called.
	Caller Contact `json:"caller,omitzero"`
	// Recipient is who was called.
	Recipient Contact `json:"recipient,omitzero"`
}

// MessagePayload is the payload the three message events share. It is
// embedded in [MessageNew], [MessageSent] and [MessageReceived], so its
// fields are reached directly (e.Message.Text), and code that handles all
// three can take a *MessagePayload.
type MessagePayload struct {
	// Chat is the chat of the message (short form).
	Chat Chat `json:"chat,omitzero"`
	// WhatsAppAccount is the workspace account that sent or received it.
	WhatsAppAccount AccountInfo `json:"whatsapp_account,omitzero"`
	// Message is the message.
	Message Message `json:"message,omitzero"`
}

// MessageNew is the payload of [EventMessageNew].
type MessageNew struct{ MessagePayload }

// MessageSent is the payload of [EventMessageSent].
type MessageSent struct{ MessagePayload }

// MessageReceived is the payload of [EventMessageReceived].
type MessageReceived struct{ MessagePayload }

// MessageReaction is the payload of [EventMessageReaction].
type MessageReaction struct {
	// Chat is the chat of the message (short form).
	Chat Chat `json:"chat,omitzero"`
	// WhatsAppAccount is the workspace account of the chat.
	WhatsAppAccount AccountInfo `json:"whatsapp_account,omitzero"`
	// Reaction is the reaction.
	Reaction Reaction `json:"reaction,omitzero"`
}

// ChatPayload is the payload the five chat events share. It is embedded in
// [ChatNew], [ChatIncoming], [ChatOutgoing], [ChatAssigned] and
// [ChatUnassigned].
type ChatPayload struct {
	// Chat is the chat (full form).
	Chat Chat `json:"chat,omitzero"`
	// WhatsAppAccount is the workspace account of the chat.
	WhatsAppAccount AccountInfo `json:"whatsapp_account,omitzero"`
}

// ChatNew is the payload of [EventChatNew] ("chat:new" or "chat:created").
type ChatNew struct{ ChatPayload }

// ChatIncoming is the payload of [EventChatIncoming] ("chat:incoming:new"
// or "chat:received:created").
type ChatIncoming struct{ ChatPayload }

// ChatOutgoing is the payload of [EventChatOutgoing] ("chat:outgoing:new"
// or "chat:sent:created").
type ChatOutgoing struct{ ChatPayload }

// ChatAssigned is the payload of [EventChatAssigned]
// ("chat:responsible:assigned" or "chat:assigned"). Chat.Responsible… is
// the new assignee, Chat.PreviousResponsible… the previous one.
type ChatAssigned struct{ ChatPayload }

// ChatUnassigned is the payload of [EventChatUnassigned]
// ("chat:responsible:unassigned" or "chat:unassigned").
type ChatUnassigned struct{ ChatPayload }

// AccountPayload is the payload the four WhatsApp account events share. It
// is embedded in [WhatsAppAccountConnected], [WhatsAppAccountDisconnected],
// [WhatsAppAccountSuspended] and [WhatsAppAccountResumed].
type AccountPayload struct {
	// WhatsAppAccount is the account.
	WhatsAppAccount WhatsAppAccount `json:"whatsapp_account,omitzero"`
}

// WhatsAppAccountConnected is the payload of [EventWhatsAppAccountConnected].
type WhatsAppAccountConnected struct{ AccountPayload }

// WhatsAppAccountDisconnected is the payload of
// [EventWhatsAppAccountDisconnected].
type WhatsAppAccountDisconnected struct{ AccountPayload }

// WhatsAppAccountSuspended is the payload of [EventWhatsAppAccountSuspended]
// (message syncing suspended).
type WhatsAppAccountSuspended struct{ AccountPayload }

// WhatsAppAccountResumed is the payload of [EventWhatsAppAccountResumed]
// (message syncing resumed).
type WhatsAppAccountResumed struct{ AccountPayload }

// CallPayload is the payload the three call events share. It is embedded in
// [CallIncomingEnded], [CallOutgoingEnded] and [CallIncomingMissed].
type CallPayload struct {
	// Chat is the chat of the call (short form).
	Chat Chat `json:"chat,omitzero"`
	// WhatsAppAccount is the workspace account of the call.
	WhatsAppAccount AccountInfo `json:"whatsapp_account,omitzero"`
	// Call is the call (call_details).
	Call Call `json:"call_details,omitzero"`
}

// CallIncomingEnded is the payload of [EventCallIncomingEnded].
type CallIncomingEnded struct{ CallPayload }

// CallOutgoingEnded is the payload of [EventCallOutgoingEnded].
type CallOutgoingEnded struct{ CallPayload }

// CallIncomingMissed is the payload of [EventCallIncomingMissed].
type CallIncomingMissed struct{ CallPayload }

// UnknownEvent is a delivery whose event_type this package does not know,
// for example a "waba:*" event or one added after this version of the SDK.
type UnknownEvent struct {
	// EventType is the event_type as delivered.
	EventType EventType `json:"event_type,omitempty"`
	// Raw is the complete JSON body of the delivery.
	Raw json.RawMessage `json:"-"`
}
