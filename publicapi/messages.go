package publicapi

import (
	"context"

	"github.com/tlpartner/tlpartner-go/internal/publicwire"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// Sending. Every send queues the message for asynchronous delivery (the
// server paces sends about 2 s apart) and returns its UID; follow it with
// [Client.GetMessage] or [Client.GetMessageStatusHistory]. A message costs
// one credit, two with both text and an attachment; failed deliveries are
// refunded. Sends are retried only when the request provably never reached
// the server (a 429 or a failed dial), so a message is never queued twice
// by the client.

// SendToPhone queues msg to phone, a number in international format as
// people write it ("+1 (415) 555-0100") or in E.164 ("+14155550100"); it is
// sent in E.164. No earlier chat or contact is needed. msg.WhatsAppAccountPhone or
// msg.WhatsAppAccountID chooses the sending account.
//
// A phone that is not a number with + and the country code (spaces,
// hyphens, dots and parentheses are removed), a msg without text, file
// or template, or a msg with ReplyTo (POST /messages documents no
// reply_to; reply with [Client.SendToChat]) gives a [*ValidationError] and
// nothing is sent.
//
// API: POST /messages.
func (c *Client) SendToPhone(ctx context.Context, phone string, msg SendParams, opts ...tlhttp.CallOption) (string, error) {
	op := unsent("SendToPhone", opts)
	if err := ValidateSendToPhone(phone, msg); err != nil {
		return "", err
	}
	phone, _ = normalizePhone("phone", phone) // valid: checked above
	if err := normalizeSender(&msg); err != nil {
		return "", err
	}
	req, err := publicwire.NewSendToPhoneRequest(c.srv(), publicwire.SendToPhoneRequest{
		Phone:                phone,
		WhatsappAccountPhone: msg.WhatsAppAccountPhone,
		WhatsappAccountId:    msg.WhatsAppAccountID,
		Text:                 msg.Text,
		FileUid:              msg.FileUID,
		AttachmentTemplateId: msg.AttachmentTemplateID,
		Label:                msg.Label,
		ChatName:             msg.ChatName,
	})
	return queue(ctx, c, op, req, err)
}

// SendToJID queues msg to a contact or group by WhatsApp ID, e.g.
// "14155550100@s.whatsapp.net" or "120363012345678901@g.us".
// msg.WhatsAppAccountPhone or msg.WhatsAppAccountID chooses the sending
// account.
//
// A malformed jid, or a msg without text, file or template, gives a
// [*ValidationError] and nothing is sent.
//
// API: POST /messages/to_jid.
func (c *Client) SendToJID(ctx context.Context, jid string, msg SendParams, opts ...tlhttp.CallOption) (string, error) {
	op := unsent("SendToJID", opts)
	if err := ValidateSendToJID(jid, msg); err != nil {
		return "", err
	}
	if err := normalizeSender(&msg); err != nil {
		return "", err
	}
	req, err := publicwire.NewSendToJIDRequest(c.srv(), publicwire.SendToJIDRequest{
		Jid:                  jid,
		WhatsappAccountPhone: msg.WhatsAppAccountPhone,
		WhatsappAccountId:    msg.WhatsAppAccountID,
		Text:                 msg.Text,
		FileUid:              msg.FileUID,
		AttachmentTemplateId: msg.AttachmentTemplateID,
		Label:                msg.Label,
		ReplyTo:              msg.ReplyTo,
		ChatName:             msg.ChatName,
	})
	return queue(ctx, c, op, req, err)
}

// SendToChat queues msg in an existing chat (direct or group), sent from
// the WhatsApp account that owns the chat; msg.WhatsAppAccountPhone and
// msg.WhatsAppAccountID must therefore be nil.
//
// API: POST /chats/{chat_id}/messages.
func (c *Client) SendToChat(ctx context.Context, chatID int64, msg SendParams, opts ...tlhttp.CallOption) (string, error) {
	op := unsent("SendToChat", opts)
	if err := ValidateSendToChat(chatID, msg); err != nil {
		return "", err
	}
	req, err := publicwire.NewSendToChatRequest(c.srv(), chatID, publicwire.SendToChatRequest{
		Text:                 msg.Text,
		FileUid:              msg.FileUID,
		AttachmentTemplateId: msg.AttachmentTemplateID,
		Label:                msg.Label,
		ReplyTo:              msg.ReplyTo,
		ChatName:             msg.ChatName,
	})
	return queue(ctx, c, op, req, err)
}

// SendToChatName queues msg in the chat whose name is exactly chatName;
// msg.ChatName must be nil (chatName names the chat here).
//
// Deprecated: the vendor deprecated this route and will remove it; use
// [Client.SendToChat] or [Client.SendToPhone].
//
// API: POST /messages/to_chat_name.
func (c *Client) SendToChatName(ctx context.Context, chatName string, msg SendParams, opts ...tlhttp.CallOption) (string, error) {
	op := unsent("SendToChatName", opts)
	if err := checkOptional("chatName", &chatName); err != nil {
		return "", err
	}
	if err := checkMessage(msg, routeChatName); err != nil {
		return "", err
	}
	req, err := publicwire.NewSendToChatNameRequest(c.srv(), publicwire.SendToChatNameRequest{
		ChatName:             chatName,
		Text:                 msg.Text,
		FileUid:              msg.FileUID,
		AttachmentTemplateId: msg.AttachmentTemplateID,
		Label:                msg.Label,
		ReplyTo:              msg.ReplyTo,
	})
	return queue(ctx, c, op, req, err)
}

// AddNote adds a note to a chat (private unless note.IsPrivate is false)
// and returns the note's message UID. Notes are not sent to WhatsApp.
//
// API: POST /chats/{chat_id}/notes.
func (c *Client) AddNote(ctx context.Context, chatID int64, note NoteParams, opts ...tlhttp.CallOption) (string, error) {
	op := unsent("AddNote", opts)
	if err := checkPositive("chatID", chatID); err != nil {
		return "", err
	}
	if err := checkOptional("NoteParams.Text", &note.Text); err != nil {
		return "", err
	}
	req, err := publicwire.NewAddNoteRequest(c.srv(), chatID, publicwire.AddNoteRequest{
		Text:      note.Text,
		IsPrivate: note.IsPrivate,
	})
	return queue(ctx, c, op, req, err)
}

// GetMessage returns one message.
//
// API: GET /messages/{message_uid}.
func (c *Client) GetMessage(ctx context.Context, messageUID string, opts ...tlhttp.CallOption) (*Message, error) {
	op := safe("GetMessage", opts)
	if err := checkID("messageUID", messageUID); err != nil {
		return nil, err
	}
	req, err := publicwire.NewGetMessageRequest(c.srv(), messageUID)
	return fetch(ctx, c, op, req, err, (*messageJSON).message)
}

// GetMessageStatusHistory returns the delivery steps of a message (for
// example queued, sent, delivered, read; the server's wording).
//
// API: GET /messages/{message_uid}/status_history.
func (c *Client) GetMessageStatusHistory(ctx context.Context, messageUID string, opts ...tlhttp.CallOption) ([]StatusHistoryItem, error) {
	op := safe("GetMessageStatusHistory", opts)
	if err := checkID("messageUID", messageUID); err != nil {
		return nil, err
	}
	req, err := publicwire.NewGetMessageStatusHistoryRequest(c.srv(), messageUID)
	return fetchList(ctx, c, op, req, err, "status_history", func(j *statusHistoryJSON, d *dec) StatusHistoryItem {
		return StatusHistoryItem{Status: j.Status, Timestamp: d.time("status_history.timestamp", j.Timestamp)}
	})
}

// GetReactions returns who reacted to a message with what.
//
// API: GET /messages/{message_uid}/reactions.
func (c *Client) GetReactions(ctx context.Context, messageUID string, opts ...tlhttp.CallOption) (*ReactionsMap, error) {
	op := safe("GetReactions", opts)
	if err := checkID("messageUID", messageUID); err != nil {
		return nil, err
	}
	req, err := publicwire.NewGetReactionsRequest(c.srv(), messageUID)
	return fetch(ctx, c, op, req, err, func(j *reactionsJSON, _ *dec) ReactionsMap { return ReactionsMap(*j) })
}

// SetReaction sets the workspace's reaction on a message to reaction,
// exactly one emoji (skin tones and ZWJ sequences included), or clears it
// with "". Setting the same reaction twice is harmless, so the call is
// retried like a read.
//
// API: PATCH /messages/{message_uid}/reactions.
func (c *Client) SetReaction(ctx context.Context, messageUID, reaction string, opts ...tlhttp.CallOption) error {
	op := safe("SetReaction", opts)
	if err := checkID("messageUID", messageUID); err != nil {
		return err
	}
	if err := checkReaction(reaction); err != nil {
		return err
	}
	req, err := publicwire.NewSetReactionRequest(c.srv(), messageUID, publicwire.SetReactionRequest{Reaction: reaction})
	return done(ctx, c, op, req, err)
}
