package publicapi

import (
	"time"
)

// Chat is a WhatsApp chat (direct or group) of the workspace, as returned by
// [Client.ListChats], [Client.GetChat] and [Client.UpdateChat]. Fields the
// server leaves out stay at their zero value.
type Chat struct {
	// ID is the chat's numeric id (sent as a number or a numeric string).
	ID int64 `json:"id"`
	// Name is the chat's display name.
	Name string `json:"name"`
	// JID is the WhatsApp id of the contact or group, e.g.
	// "14840000000@s.whatsapp.net".
	JID string `json:"jid"`
	// Phone is the contact's number (direct chats).
	Phone string `json:"phone"`
	// IsGroup reports a group chat.
	IsGroup bool `json:"is_group"`
	// Closed, Read and Unattended are the chat's inbox flags.
	Closed     bool `json:"closed"`
	Read       bool `json:"read"`
	Unattended bool `json:"unattended"`
	// ChatGPTAutoresponseEnabled reports whether the AI auto-responder is
	// on for this chat.
	ChatGPTAutoresponseEnabled bool `json:"chatgpt_autoresponse_enabled"`
	// IsAllowedToMessage reports whether the workspace may send to the
	// chat.
	IsAllowedToMessage bool `json:"is_allowed_to_message"`
	// Labels are the chat's labels.
	Labels []string `json:"labels"`
	// WhatsAppAccountID is the JID of the WhatsApp account owning the chat.
	WhatsAppAccountID string `json:"whatsapp_account_id"`
	// ChatURL opens the chat in the TimelinesAI web app.
	ChatURL string `json:"chat_url"`
	// Photo is the URL of the chat's picture, or "".
	Photo string `json:"photo"`
	// ResponsibleEmail and ResponsibleName identify the teammate the chat
	// is assigned to; both are "" when it is unassigned.
	ResponsibleEmail string `json:"responsible_email"`
	ResponsibleName  string `json:"responsible_name"`
	// CreatedAt is when the chat was created ("created_timestamp").
	CreatedAt time.Time `json:"created_timestamp"`
	// LastMessageUID and LastMessageAt describe the latest message.
	LastMessageUID string    `json:"last_message_uid"`
	LastMessageAt  time.Time `json:"last_message_timestamp"`
	// GroupMembers lists the members of a group chat.
	GroupMembers []GroupMember `json:"group_members"`
}

// GroupMember is one member of a group chat.
type GroupMember struct {
	// Name and Phone identify the member.
	Name  string `json:"name"`
	Phone string `json:"phone"`
	// Role is the member's role in the group, e.g. "admin" (the full set
	// is not documented).
	Role string `json:"role"`
	// ChatID is the id of the direct chat with the member.
	ChatID int64 `json:"chat_id"`
}

// Message is a message of a chat, as returned by [Client.GetMessage] and
// [Client.ListChatMessages].
type Message struct {
	// UID is the message's uid (a UUID).
	UID string `json:"uid"`
	// ChatID is the id of the chat the message belongs to.
	ChatID int64 `json:"chat_id"`
	// Timestamp is when the message was sent or received.
	Timestamp time.Time `json:"timestamp"`
	// SenderPhone, SenderName, RecipientPhone and RecipientName identify
	// both ends.
	SenderPhone    string `json:"sender_phone"`
	SenderName     string `json:"sender_name"`
	RecipientPhone string `json:"recipient_phone"`
	RecipientName  string `json:"recipient_name"`
	// FromMe is true for messages sent from the workspace's WhatsApp
	// account, false for received ones.
	FromMe bool `json:"from_me"`
	// Status is the delivery status as the server words it, e.g. "Read"
	// (the full set is not documented).
	Status string `json:"status"`
	// Origin says where the message came from, e.g. "Public API".
	Origin string `json:"origin"`
	// MessageType is e.g. "Note" or "whatsapp"; its case varies between
	// the docs' examples.
	MessageType string `json:"message_type"`
	// Text is the message text.
	Text string `json:"text"`
	// HasAttachment reports an attachment; AttachmentURL and
	// AttachmentFilename describe it.
	HasAttachment      bool   `json:"has_attachment"`
	AttachmentURL      string `json:"attachment_url"`
	AttachmentFilename string `json:"attachment_filename"`
	// CreatedBy names the teammate who created the message, if any.
	CreatedBy string `json:"created_by"`
	// Data holds free-form key/value pairs attached to the message.
	Data map[string]string `json:"data"`
	// Reactions are the message's reactions. Depending on the server
	// version only Counts (and Total) or also Users are filled.
	Reactions ReactionsMap `json:"reactions"`
}

// ReactionsMap describes the reactions on a message ([Client.GetReactions]).
type ReactionsMap struct {
	// Users lists who reacted with what.
	Users []Reaction `json:"users"`
	// Counts maps each emoji to the number of reactions with it.
	Counts map[string]int `json:"reactions"`
	// Total is the number of reactions.
	Total int `json:"total"`
}

// Reaction is one person's reaction on a message.
type Reaction struct {
	// Name and Phone identify the person who reacted.
	Name  string `json:"name"`
	Phone string `json:"phone"`
	// Emoji is the reaction.
	Emoji string `json:"reaction"`
	// Current is the server's "current" flag (not explained by the docs;
	// plausibly: the reaction is the caller's own).
	Current bool `json:"current"`
}

// StatusHistoryItem is one step of a message's delivery history
// ([Client.GetMessageStatusHistory]).
type StatusHistoryItem struct {
	// Status is the status reached, as the server words it.
	Status string `json:"status"`
	// Timestamp is when it was reached.
	Timestamp time.Time `json:"timestamp"`
}

// File is an uploaded file ([Client.UploadFile], [Client.GetFile],
// [Client.ListFiles]).
type File struct {
	// UID identifies the file; send it with [SendParams.FileUID].
	UID string `json:"uid"`
	// Filename is the file's name.
	Filename string `json:"filename"`
	// Size is the file's size in bytes.
	Size int64 `json:"size"`
	// MIMEType is the file's media type, e.g. "image/png".
	MIMEType string `json:"mimetype"`
	// TemporaryDownloadURL is a short-lived download link; lists leave it
	// empty, [Client.GetFile] fills it.
	TemporaryDownloadURL string `json:"temporary_download_url"`
	// UploadedByEmail is the uploader's email.
	UploadedByEmail string `json:"uploaded_by_email"`
	// UploadedAt is when the file was uploaded.
	UploadedAt time.Time `json:"uploaded_at"`
}

// Webhook is a webhook subscription of the workspace: TimelinesAI POSTs
// events of EventType, unsigned, to URL. See package
// github.com/tlpartner/tlpartner-go/publicapi/events for the payloads.
type Webhook struct {
	// ID identifies the subscription.
	ID int64 `json:"id"`
	// EventType is the one event type delivered, e.g.
	// "message:received:new".
	EventType string `json:"event_type"`
	// URL is where the events are POSTed.
	URL string `json:"url"`
	// Enabled is false for a paused subscription.
	Enabled bool `json:"enabled"`
	// ErrorsCounter counts failed deliveries.
	ErrorsCounter int `json:"errors_counter"`
}

// WhatsAppAccount is a WhatsApp account connected in the workspace.
type WhatsAppAccount struct {
	// ID is the account's JID, e.g. "972501111111@s.whatsapp.net".
	ID string `json:"id"`
	// Phone is the account's number.
	Phone string `json:"phone"`
	// AccountName is the account's WhatsApp name.
	AccountName string `json:"account_name"`
	// OwnerName and OwnerEmail identify the teammate who connected it.
	OwnerName  string `json:"owner_name"`
	OwnerEmail string `json:"owner_email"`
	// Status is e.g. "Active" (the full set is not documented).
	Status string `json:"status"`
	// ConnectedAt is when the account was connected ("connected_on").
	ConnectedAt time.Time `json:"connected_on"`
	// IsVisible is the account's visibility flag (third-party clients
	// only; false when absent).
	IsVisible bool `json:"is_visible"`
}

// Workspace is the workspace's identity, plan and quota utilisation
// ([Client.GetWorkspace]).
type Workspace struct {
	// ID, DisplayName and Plan identify the workspace; they are empty
	// when the server only answers the older quotas route.
	ID          string `json:"workspace_id"`
	DisplayName string `json:"display_name"`
	Plan        string `json:"plan"`
	// MessagesQuota, APICallsQuota and Seats are the recurring quotas
	// (the names of tlpartner.WorkspaceDetails).
	MessagesQuota Quota `json:"messaging_quota"`
	APICallsQuota Quota `json:"api_calls_quota"`
	Seats         Quota `json:"seats"`
	// NonRecurringQuota is the one-off balance.
	NonRecurringQuota NonRecurringQuota `json:"non_recurring_quota"`
}

// Quota is the utilisation of one recurring quota in the current period.
type Quota struct {
	// Total is the quota for the period; Used what is used of it.
	Total int `json:"total"`
	Used  int `json:"used"`
	// PeriodStart and PeriodEnd bound the period.
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
}

// Remaining returns Total-Used, or 0 when the quota is used up or
// overdrawn (as tlpartner.Quota.Remaining).
func (q Quota) Remaining() int { return max(q.Total-q.Used, 0) }

// NonRecurringQuota is a one-off balance (for example bought message
// packs).
type NonRecurringQuota struct {
	// RemainingBalance is what is left.
	RemainingBalance int `json:"remaining_balance"`
	// LastUpdatedAt is when the balance last changed.
	LastUpdatedAt time.Time `json:"last_updated_at"`
}

// Teammate is a member (or invited member) of the workspace.
type Teammate struct {
	// UserID is the teammate's numeric id; pass it to
	// [Client.RevokeInvitation].
	UserID int64 `json:"user_id"`
	// DisplayName and Email identify the teammate.
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	// Role is e.g. "owner" or one of the [Role] values.
	Role string `json:"role"`
	// Status is e.g. "active" (its case varies between the docs' copies).
	Status string `json:"status"`
	// Team is the teammate's team, and InvitationStatus e.g. "Expired";
	// only some server versions send them.
	Team             string `json:"team"`
	InvitationStatus string `json:"invitation_status"`
	// CreatedAt is when the teammate was added or invited.
	CreatedAt time.Time `json:"created_at"`
	// WhatsAppAccounts are the accounts the teammate connected.
	WhatsAppAccounts []WhatsAppAccount `json:"whatsapp_accounts"`
}
