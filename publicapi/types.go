package publicapi

import (
	"time"
)

// Chat is a WhatsApp chat (direct or group) of the workspace, as returned by
// [Client.ListChats], [Client.GetChat] and [Client.UpdateChat]. Fields the
// server leaves out stay at their zero value.
type Chat struct {
	// ID is the chat's numeric id (sent as a number or a numeric string).
	ID int64
	// Name is the chat's display name.
	Name string
	// JID is the WhatsApp id of the contact or group, e.g.
	// "14840000000@s.whatsapp.net".
	JID string
	// Phone is the contact's number (direct chats).
	Phone string
	// IsGroup reports a group chat.
	IsGroup bool
	// Closed, Read and Unattended are the chat's inbox flags.
	Closed     bool
	Read       bool
	Unattended bool
	// ChatGPTAutoresponseEnabled reports whether the AI auto-responder is
	// on for this chat.
	ChatGPTAutoresponseEnabled bool
	// IsAllowedToMessage reports whether the workspace may send to the
	// chat.
	IsAllowedToMessage bool
	// Labels are the chat's labels.
	Labels []string
	// WhatsAppAccountID is the JID of the WhatsApp account owning the chat.
	WhatsAppAccountID string
	// ChatURL opens the chat in the TimelinesAI web app.
	ChatURL string
	// Photo is the URL of the chat's picture, or "".
	Photo string
	// ResponsibleEmail and ResponsibleName identify the teammate the chat
	// is assigned to; both are "" when it is unassigned.
	ResponsibleEmail string
	ResponsibleName  string
	// CreatedAt is when the chat was created ("created_timestamp").
	CreatedAt time.Time
	// LastMessageUID and LastMessageAt describe the latest message.
	LastMessageUID string
	LastMessageAt  time.Time
	// GroupMembers lists the members of a group chat.
	GroupMembers []GroupMember
}

// GroupMember is one member of a group chat.
type GroupMember struct {
	// Name and Phone identify the member.
	Name  string
	Phone string
	// Role is the member's role in the group, e.g. "admin" (the full set
	// is not documented).
	Role string
	// ChatID is the id of the direct chat with the member.
	ChatID int64
}

// Message is a message of a chat, as returned by [Client.GetMessage] and
// [Client.ListChatMessages].
type Message struct {
	// UID is the message's uid (a UUID).
	UID string
	// ChatID is the id of the chat the message belongs to.
	ChatID int64
	// Timestamp is when the message was sent or received.
	Timestamp time.Time
	// SenderPhone, SenderName, RecipientPhone and RecipientName identify
	// both ends.
	SenderPhone    string
	SenderName     string
	RecipientPhone string
	RecipientName  string
	// FromMe is true for messages sent from the workspace's WhatsApp
	// account, false for received ones.
	FromMe bool
	// Status is the delivery status as the server words it, e.g. "Read"
	// (the full set is not documented).
	Status string
	// Origin says where the message came from, e.g. "Public API".
	Origin string
	// MessageType is e.g. "Note" or "whatsapp"; its case varies between
	// the docs' examples.
	MessageType string
	// Text is the message text.
	Text string
	// HasAttachment reports an attachment; AttachmentURL and
	// AttachmentFilename describe it.
	HasAttachment      bool
	AttachmentURL      string
	AttachmentFilename string
	// CreatedBy names the teammate who created the message, if any.
	CreatedBy string
	// Data holds free-form key/value pairs attached to the message.
	Data map[string]string
	// Reactions are the message's reactions. Depending on the server
	// version only Counts (and Total) or also Users are filled.
	Reactions ReactionsMap
}

// ReactionsMap describes the reactions on a message ([Client.GetReactions]).
type ReactionsMap struct {
	// Users lists who reacted with what.
	Users []Reaction
	// Counts maps each emoji to the number of reactions with it.
	Counts map[string]int
	// Total is the number of reactions.
	Total int
}

// Reaction is one person's reaction on a message.
type Reaction struct {
	// Name and Phone identify the person who reacted.
	Name  string
	Phone string
	// Emoji is the reaction.
	Emoji string
	// Current is the server's "current" flag (not explained by the docs;
	// plausibly: the reaction is the caller's own).
	Current bool
}

// StatusHistoryItem is one step of a message's delivery history
// ([Client.GetMessageStatusHistory]).
type StatusHistoryItem struct {
	// Status is the status reached, as the server words it.
	Status string
	// Timestamp is when it was reached.
	Timestamp time.Time
}

// File is an uploaded file ([Client.UploadFile], [Client.GetFile],
// [Client.ListFiles]).
type File struct {
	// UID identifies the file; send it with [SendParams.FileUID].
	UID string
	// Filename is the file's name.
	Filename string
	// Size is the file's size in bytes.
	Size int64
	// MIMEType is the file's media type, e.g. "image/png".
	MIMEType string
	// TemporaryDownloadURL is a short-lived download link; lists leave it
	// empty, [Client.GetFile] fills it.
	TemporaryDownloadURL string
	// UploadedByEmail is the uploader's email.
	UploadedByEmail string
	// UploadedAt is when the file was uploaded.
	UploadedAt time.Time
}

// Webhook is a webhook subscription of the workspace: TimelinesAI POSTs
// events of EventType, unsigned, to URL. See package
// github.com/tlpartner/tlpartner-go/publicapi/events for the payloads.
type Webhook struct {
	// ID identifies the subscription.
	ID int64
	// EventType is the one event type delivered, e.g.
	// "message:received:new".
	EventType string
	// URL is where the events are POSTed.
	URL string
	// Enabled is false for a paused subscription.
	Enabled bool
	// ErrorsCounter counts failed deliveries.
	ErrorsCounter int
}

// WhatsAppAccount is a WhatsApp account connected in the workspace.
type WhatsAppAccount struct {
	// ID is the account's JID, e.g. "972501111111@s.whatsapp.net".
	ID string
	// Phone is the account's number.
	Phone string
	// AccountName is the account's WhatsApp name.
	AccountName string
	// OwnerName and OwnerEmail identify the teammate who connected it.
	OwnerName  string
	OwnerEmail string
	// Status is e.g. "Active" (the full set is not documented).
	Status string
	// ConnectedOn is when the account was connected.
	ConnectedOn time.Time
	// IsVisible is the account's visibility flag (third-party clients
	// only; false when absent).
	IsVisible bool
}

// Workspace is the workspace's identity, plan and quota utilisation
// ([Client.GetWorkspace]).
type Workspace struct {
	// ID, DisplayName and Plan identify the workspace; they are empty
	// when the server only answers the older quotas route.
	ID          string
	DisplayName string
	Plan        string
	// Messaging, APICalls and Seats are the recurring quotas.
	Messaging Quota
	APICalls  Quota
	Seats     Quota
	// NonRecurring is the one-off balance.
	NonRecurring NonRecurringQuota
}

// Quota is the utilisation of one recurring quota in the current period.
type Quota struct {
	// Total is the quota for the period; Used what is used of it.
	Total int
	Used  int
	// PeriodStart and PeriodEnd bound the period.
	PeriodStart time.Time
	PeriodEnd   time.Time
}

// NonRecurringQuota is a one-off balance (for example bought message
// packs).
type NonRecurringQuota struct {
	// RemainingBalance is what is left.
	RemainingBalance int
	// LastUpdatedAt is when the balance last changed.
	LastUpdatedAt time.Time
}

// Teammate is a member (or invited member) of the workspace.
type Teammate struct {
	// UserID is the teammate's numeric id; pass it to
	// [Client.RevokeInvitation].
	UserID int64
	// DisplayName and Email identify the teammate.
	DisplayName string
	Email       string
	// Role is e.g. "owner" or one of the [Role] values.
	Role string
	// Status is e.g. "active" (its case varies between the docs' copies).
	Status string
	// Team is the teammate's team, and InvitationStatus e.g. "Expired";
	// only some server versions send them.
	Team             string
	InvitationStatus string
	// CreatedAt is when the teammate was added or invited.
	CreatedAt time.Time
	// WhatsAppAccounts are the accounts the teammate connected.
	WhatsAppAccounts []WhatsAppAccount
}
