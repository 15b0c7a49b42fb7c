package publicapi

import "time"

// Ptr returns a pointer to v, for the optional (pointer) fields of the
// params structs: publicapi.SendParams{Text: publicapi.Ptr("Hello")}.
func Ptr[T any](v T) *T { return &v }

// SendParams is the message of every send method ([Client.SendToPhone],
// [Client.SendToJID], [Client.SendToChat], [Client.SendToChatName]). At
// least one of Text, FileUID and AttachmentTemplateID must be set. Every
// field is optional; nil means "not sent".
type SendParams struct {
	// Text is the message text ("\n" for line breaks; emojis allowed).
	Text *string `json:"text,omitempty"`
	// FileUID attaches an uploaded file ([Client.UploadFile],
	// [Client.UploadFileFromURL]). A message with text and a file costs
	// two credits.
	FileUID *string `json:"file_uid,omitempty"`
	// AttachmentTemplateID sends an existing attachment template.
	AttachmentTemplateID *int64 `json:"attachment_template_id,omitempty"`
	// Label is put on the chat; it is created if missing.
	Label *string `json:"label,omitempty"`
	// ReplyTo is the UID of the message replied to (same workspace and
	// WhatsApp account); the server ignores "". [Client.SendToJID],
	// [Client.SendToChat] and [Client.SendToChatName] send it;
	// [Client.SendToPhone] refuses it with a [*ValidationError] before
	// sending, because POST /messages documents no reply_to
	// (docs/contradictions.md, C27): reply in the chat with SendToChat.
	ReplyTo *string `json:"reply_to,omitempty"`
	// ChatName is the exact name of the chat (or group), sent as
	// chat_name by [Client.SendToPhone], [Client.SendToJID] and
	// [Client.SendToChat]; use it to name the chat that a first message
	// to a contact creates. The docs do not say what it does to a chat
	// that already exists (the fake in tlpartnertest leaves its name
	// alone; rename with [Client.UpdateChat]). It must not be blank.
	// [Client.SendToChatName] refuses it: there the chat name is the
	// target, its chatName argument.
	ChatName *string `json:"chat_name,omitempty"`
	// WhatsAppAccountPhone chooses the sending account by its phone
	// number (international format, normalized to E.164 like the
	// recipient of [Client.SendToPhone]). Only [Client.SendToPhone] and [Client.SendToJID]
	// accept it; by default the most recently connected account sends.
	// Sends in an existing chat always use the account that owns the
	// chat.
	WhatsAppAccountPhone *string `json:"whatsapp_account_phone,omitempty"`
	// WhatsAppAccountID chooses the sending account by its WhatsApp ID
	// (JID), as [WhatsAppAccount.ID], [Chat.WhatsAppAccountID] and the
	// webhooks give it, e.g. "15551234567@s.whatsapp.net"; it is sent as
	// whatsapp_account_id, the field of the sending guide (the reference
	// names only whatsapp_account_phone; see docs/contradictions.md, C8).
	// The same sends accept it as WhatsAppAccountPhone, and at most one
	// of the two may be set. An ID that is not a contact JID
	// (<digits>@s.whatsapp.net, @c.us or @lid) is a [*ValidationError].
	WhatsAppAccountID *string `json:"whatsapp_account_id,omitempty"`
}

// NoteParams is a note for [Client.AddNote].
type NoteParams struct {
	// Text is the note; required.
	Text string `json:"text"`
	// IsPrivate makes the note private (the server's default) or, with
	// false, public.
	IsPrivate *bool `json:"is_private,omitempty"`
}

// ListChatsParams filters [Client.ListChats]. Filters combine with AND;
// the values of one list filter combine with OR. Nil pointers and nil or
// empty slices are not sent.
type ListChatsParams struct {
	// Labels keeps chats having at least one of the labels.
	Labels []string `json:"label,omitempty"`
	// WhatsAppAccountIDs keeps chats of any of the accounts (JIDs).
	WhatsAppAccountIDs []string `json:"whatsapp_account_id,omitempty"`
	// Responsible keeps chats assigned to any of the teammates (emails).
	Responsible []string `json:"responsible,omitempty"`
	// Group keeps group chats (true) or direct chats (false).
	Group *bool `json:"group,omitempty"`
	// Name keeps chats whose name contains it (case-insensitive).
	Name *string `json:"name,omitempty"`
	// Read, Closed and ChatGPTAutoresponseEnabled filter on the chat's
	// flags.
	Read                       *bool `json:"read,omitempty"`
	Closed                     *bool `json:"closed,omitempty"`
	ChatGPTAutoresponseEnabled *bool `json:"chatgpt_autoresponse_enabled,omitempty"`
	// Phone keeps the direct chat with this number; a leading "+" asks
	// for an exact match.
	Phone *string `json:"phone,omitempty"`
	// CreatedAfter and CreatedBefore bound the chat's creation time
	// (sent in RFC 3339, UTC).
	CreatedAfter  *time.Time `json:"created_after,omitempty"`
	CreatedBefore *time.Time `json:"created_before,omitempty"`
}

// SortOrder orders [Client.ListChatMessages] by timestamp.
type SortOrder string

// The sort orders of [ListChatMessagesParams.SortOrder].
const (
	// SortDescending lists the newest message first (the server's
	// default).
	SortDescending SortOrder = "desc"
	// SortAscending lists the oldest message first.
	SortAscending SortOrder = "asc"
)

// ListChatMessagesParams filters [Client.ListChatMessages]. Nil pointers
// are not sent.
type ListChatMessagesParams struct {
	// FromMe keeps messages sent from the workspace's account (true) or
	// received ones (false).
	FromMe *bool `json:"from_me,omitempty"`
	// After and Before bound the message time, inclusive (sent in RFC
	// 3339, UTC).
	After  *time.Time `json:"after,omitempty"`
	Before *time.Time `json:"before,omitempty"`
	// AfterMessage and BeforeMessage keep messages after or before the
	// message with that UID (exclusive).
	AfterMessage  *string `json:"after_message,omitempty"`
	BeforeMessage *string `json:"before_message,omitempty"`
	// SortOrder is [SortDescending] (the default) or [SortAscending].
	SortOrder *SortOrder `json:"sorting_order,omitempty"`
}

// UpdateChatParams changes a chat in [Client.UpdateChat]. At least one
// field must be set; nil fields stay unchanged.
type UpdateChatParams struct {
	// Name renames the chat; it must be unique in the workspace.
	Name *string `json:"name,omitempty"`
	// Responsible assigns the chat to the teammate with this
	// registration email; "" unassigns it.
	Responsible *string `json:"responsible,omitempty"`
	// Closed, Read and ChatGPTAutoresponseEnabled set the chat's flags.
	Closed                     *bool `json:"closed,omitempty"`
	Read                       *bool `json:"read,omitempty"`
	ChatGPTAutoresponseEnabled *bool `json:"chatgpt_autoresponse_enabled,omitempty"`
}

// ListFilesParams filters [Client.ListFiles].
type ListFilesParams struct {
	// Filename keeps files whose name contains it (case-insensitive), for
	// example an extension.
	Filename *string `json:"filename,omitempty"`
}

// UploadFileParams are the optional inputs of [Client.UploadFile].
type UploadFileParams struct {
	// ContentType is the file's media type, e.g. "application/pdf". When
	// set it is sent as the content_type form field and as the file
	// part's Content-Type, and must be a valid media type. When nil no
	// content_type field is sent and the part's Content-Type is guessed
	// from the filename's extension (application/octet-stream when the
	// extension is unknown), which the server may store as the file's
	// type.
	ContentType *string `json:"content_type,omitempty"`
}

// UploadFromURLParams are the optional overrides of
// [Client.UploadFileFromURL].
type UploadFromURLParams struct {
	// Filename overrides the file's name.
	Filename *string `json:"filename,omitempty"`
	// ContentType overrides the file's media type; it must be a valid
	// media type such as "application/pdf".
	ContentType *string `json:"content_type,omitempty"`
}

// CreateWebhookParams describes a new subscription for
// [Client.CreateWebhook].
type CreateWebhookParams struct {
	// EventType is the one event type delivered, e.g.
	// "message:received:new"; required.
	EventType string `json:"event_type"`
	// URL receives the events; required, an absolute http or https URL
	// that is publicly reachable and answers 2xx within 5 seconds.
	URL string `json:"url"`
	// Enabled false creates the subscription paused.
	Enabled *bool `json:"enabled,omitempty"`
}

// UpdateWebhookParams changes a subscription in [Client.UpdateWebhook]. At
// least one field must be set; nil fields stay unchanged.
type UpdateWebhookParams struct {
	// EventType replaces the event type.
	EventType *string `json:"event_type,omitempty"`
	// URL replaces the destination (absolute http or https).
	URL *string `json:"url,omitempty"`
	// Enabled pauses (false) or resumes (true) the subscription.
	Enabled *bool `json:"enabled,omitempty"`
}

// Role is a teammate's role in [InviteTeammateParams].
type Role string

// The roles an invitation accepts (the server compares them
// case-insensitively).
const (
	RoleAdmin          Role = "admin"
	RoleTeamSupervisor Role = "team_supervisor"
	RoleTeammate       Role = "teammate"
	RoleAgent          Role = "agent"
	RoleCollaborator   Role = "collaborator"
)

// InviteTeammateParams describes an invitation for
// [Client.InviteTeammate].
type InviteTeammateParams struct {
	// Email is the invitee's address; required.
	Email string `json:"email"`
	// FirstName and LastName name the invitee.
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
	// TeamTitle is the team to join (server default "Default team").
	TeamTitle *string `json:"team_title,omitempty"`
	// Role is one of the Role constants (case-insensitive).
	Role *Role `json:"role,omitempty"`
}
