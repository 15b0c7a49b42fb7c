package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tlpartner/tlpartner-go/internal/flex"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// The wire form: one struct per JSON object, holding every key any event
// uses (both spellings where the docs disagree), decoded with the SDK's
// tolerant leaves and encoded in the reference's spelling. Absent and zero
// values are omitted when encoding.

// wTime is a tolerant date-time written in the Public API's form.
type wTime flex.Time

// publicTimeLayout is the Public API's date-time form.
const publicTimeLayout = "2006-01-02 15:04:05 -0700"

func (t *wTime) UnmarshalJSON(b []byte) error {
	if err := (*flex.Time)(t).UnmarshalJSON(b); err != nil {
		return typeError("a date-time", reflect.TypeFor[time.Time]())
	}
	return nil
}

func (t wTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).Format(publicTimeLayout))
}

func (t wTime) IsZero() bool { return time.Time(t).IsZero() }

// wInt is a tolerant integer (number or numeric string).
type wInt flex.Int

func (n *wInt) UnmarshalJSON(b []byte) error {
	if err := (*flex.Int)(n).UnmarshalJSON(b); err != nil {
		return typeError("an integer", reflect.TypeFor[int64]())
	}
	return nil
}

// wStr is a tolerant string (a number is kept as its decimal text).
type wStr flex.String

func (s *wStr) UnmarshalJSON(b []byte) error {
	// Fast path: encoding/json has validated b; a string without escapes
	// is its bytes.
	if len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		*s = wStr(b[1 : len(b)-1])
		return nil
	}
	if err := (*flex.String)(s).UnmarshalJSON(b); err != nil {
		return typeError("a string", reflect.TypeFor[string]())
	}
	return nil
}

// wLabels accepts labels as strings (REST form) or as {"name": ...}
// objects (seen by third parties).
type wLabels []string

func (l *wLabels) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return typeError("a list of labels", reflect.TypeFor[[]string]())
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		var s wStr
		if err := json.Unmarshal(r, &s); err == nil {
			out = append(out, string(s))
			continue
		}
		var o struct {
			Name wStr `json:"name"`
		}
		if err := json.Unmarshal(r, &o); err != nil {
			return typeError("a list of labels", reflect.TypeFor[[]string]())
		}
		out = append(out, string(o.Name))
	}
	*l = out
	return nil
}

// typeError is what the leaves report, so that encoding/json adds the field
// path and Parse can name the field without echoing its value.
func typeError(what string, t reflect.Type) error {
	return &json.UnmarshalTypeError{Value: what, Type: t}
}

type wireEvent struct {
	EventType       EventType     `json:"event_type"`
	Chat            *wireChat     `json:"chat,omitempty"`
	WhatsAppAccount *wireAccount  `json:"whatsapp_account,omitempty"`
	Message         *wireMessage  `json:"message,omitempty"`
	Reaction        *wireReaction `json:"reaction,omitempty"`
	CallDetails     *wireCall     `json:"call_details,omitempty"`
}

type wireContact struct {
	FullName wStr `json:"full_name,omitempty"`
	Phone    wStr `json:"phone,omitempty"`
}

type wireChat struct {
	ChatID                     wInt    `json:"chat_id,omitempty"`
	ID                         wInt    `json:"id,omitempty"`
	FullName                   wStr    `json:"full_name,omitempty"`
	Name                       wStr    `json:"name,omitempty"`
	Phone                      wStr    `json:"phone,omitempty"`
	JID                        wStr    `json:"jid,omitempty"`
	IsGroup                    bool    `json:"is_group,omitempty"`
	Closed                     bool    `json:"closed,omitempty"`
	Read                       bool    `json:"read,omitempty"`
	Labels                     wLabels `json:"labels,omitempty"`
	UnattendedCustomer         bool    `json:"unattended_customer,omitempty"`
	Unattended                 bool    `json:"unattended,omitempty"`
	ChatGPTAutoresponseEnabled bool    `json:"chatgpt_autoresponse_enabled,omitempty"`
	WhatsAppAccountID          wStr    `json:"whatsapp_account_id,omitempty"`
	ChatURL                    wStr    `json:"chat_url,omitempty"`
	CreatedTimestamp           wTime   `json:"created_timestamp,omitzero"`
	LastMessageUUID            wStr    `json:"last_message_uuid,omitempty"`
	LastMessageUID             wStr    `json:"last_message_uid,omitempty"`
	LastMessageTimestamp       wTime   `json:"last_message_timestamp,omitzero"`
	ResponsibleName            wStr    `json:"responsible_name,omitempty"`
	ResponsibleEmail           wStr    `json:"responsible_email,omitempty"`
	PreviousResponsibleName    wStr    `json:"previous_responsible_name,omitempty"`
	PreviousResponsibleEmail   wStr    `json:"previous_responsible_email,omitempty"`
}

type wireAccount struct {
	// Message, reaction, chat and call events.
	FullName           wStr `json:"full_name,omitempty"`
	Email              wStr `json:"email,omitempty"`
	WhatsAppAccountWID wStr `json:"whatsapp_account_wid,omitempty"`
	// Both.
	Phone wStr `json:"phone,omitempty"`
	// Account events.
	ID             wStr  `json:"id,omitempty"`
	ConnectedOn    wTime `json:"connected_on,omitzero"`
	DisconnectedOn wTime `json:"disconnected_on,omitzero"`
	Status         wStr  `json:"status,omitempty"`
	AccountName    wStr  `json:"account_name,omitempty"`
	OwnerName      wStr  `json:"owner_name,omitempty"`
	OwnerEmail     wStr  `json:"owner_email,omitempty"`
}

type wireAttachment struct {
	TemporaryDownloadURL wStr `json:"temporary_download_url,omitempty"`
	Filename             wStr `json:"filename,omitempty"`
	Size                 wInt `json:"size,omitempty"`
	MIMEType             wStr `json:"mimetype,omitempty"`
}

type wireMessage struct {
	Text        wStr             `json:"text,omitempty"`
	Direction   wStr             `json:"direction,omitempty"`
	Origin      wStr             `json:"origin,omitempty"`
	Timestamp   wTime            `json:"timestamp,omitzero"`
	MessageUID  wStr             `json:"message_uid,omitempty"`
	UID         wStr             `json:"uid,omitempty"`
	Sender      *wireContact     `json:"sender,omitempty"`
	Recipient   *wireContact     `json:"recipient,omitempty"`
	ReplyToUID  wStr             `json:"reply_to_uid,omitempty"`
	Attachments []wireAttachment `json:"attachments,omitempty"`
}

type wireReaction struct {
	MessageUID wStr            `json:"message_uid,omitempty"`
	Action     wStr            `json:"action,omitempty"`
	Emoji      wStr            `json:"emoji,omitempty"`
	Timestamp  wTime           `json:"timestamp,omitzero"`
	Reactor    *wireContact    `json:"reactor,omitempty"`
	Reactions  map[string]wInt `json:"reactions,omitempty"`
}

type wireCall struct {
	Duration   wInt         `json:"duration,omitempty"`
	Direction  wStr         `json:"direction,omitempty"`
	IsVideo    bool         `json:"is_video,omitempty"`
	Status     wStr         `json:"status,omitempty"`
	Timestamp  wTime        `json:"timestamp,omitzero"`
	MessageUID wStr         `json:"message_uid,omitempty"`
	Caller     *wireContact `json:"caller,omitempty"`
	Recipient  *wireContact `json:"recipient,omitempty"`
}

// Conversions. Decoding takes whichever spelling is present (the
// webhook's first); encoding writes the webhook reference's spelling.

func firstStr(a, b wStr) string {
	if a != "" {
		return string(a)
	}
	return string(b)
}

func contactFrom(w *wireContact) Contact {
	if w == nil {
		return Contact{}
	}
	return Contact{FullName: string(w.FullName), Phone: string(w.Phone)}
}

func contactTo(c Contact) *wireContact {
	if c == (Contact{}) {
		return nil
	}
	return &wireContact{FullName: wStr(c.FullName), Phone: wStr(c.Phone)}
}

func chatFrom(w *wireChat) Chat {
	if w == nil {
		return Chat{}
	}
	id := w.ChatID
	if id == 0 {
		id = w.ID
	}
	return Chat{
		ID:                         int64(id),
		Name:                       firstStr(w.FullName, w.Name),
		Phone:                      string(w.Phone),
		JID:                        string(w.JID),
		IsGroup:                    w.IsGroup,
		Closed:                     w.Closed,
		Read:                       w.Read,
		Labels:                     []string(w.Labels),
		Unattended:                 w.UnattendedCustomer || w.Unattended,
		ChatGPTAutoresponseEnabled: w.ChatGPTAutoresponseEnabled,
		WhatsAppAccountID:          string(w.WhatsAppAccountID),
		ChatURL:                    string(w.ChatURL),
		CreatedAt:                  time.Time(w.CreatedTimestamp),
		LastMessageUID:             firstStr(w.LastMessageUUID, w.LastMessageUID),
		LastMessageAt:              time.Time(w.LastMessageTimestamp),
		ResponsibleName:            string(w.ResponsibleName),
		ResponsibleEmail:           string(w.ResponsibleEmail),
		PreviousResponsibleName:    string(w.PreviousResponsibleName),
		PreviousResponsibleEmail:   string(w.PreviousResponsibleEmail),
	}
}

// chatTo encodes c; full selects the chat events' form (id, name) over the
// message events' (chat_id, full_name).
func chatTo(c Chat, full bool) *wireChat {
	w := &wireChat{
		Phone:                      wStr(c.Phone),
		JID:                        wStr(c.JID),
		IsGroup:                    c.IsGroup,
		Closed:                     c.Closed,
		Read:                       c.Read,
		Labels:                     wLabels(c.Labels),
		UnattendedCustomer:         c.Unattended,
		ChatGPTAutoresponseEnabled: c.ChatGPTAutoresponseEnabled,
		WhatsAppAccountID:          wStr(c.WhatsAppAccountID),
		ChatURL:                    wStr(c.ChatURL),
		CreatedTimestamp:           wTime(c.CreatedAt),
		LastMessageUUID:            wStr(c.LastMessageUID),
		LastMessageTimestamp:       wTime(c.LastMessageAt),
		ResponsibleName:            wStr(c.ResponsibleName),
		ResponsibleEmail:           wStr(c.ResponsibleEmail),
		PreviousResponsibleName:    wStr(c.PreviousResponsibleName),
		PreviousResponsibleEmail:   wStr(c.PreviousResponsibleEmail),
	}
	if full {
		w.ID, w.Name = wInt(c.ID), wStr(c.Name)
	} else {
		w.ChatID, w.FullName = wInt(c.ID), wStr(c.Name)
	}
	return w
}

func accountInfoFrom(w *wireAccount) AccountInfo {
	if w == nil {
		return AccountInfo{}
	}
	return AccountInfo{FullName: string(w.FullName), Email: string(w.Email), Phone: string(w.Phone), WID: string(w.WhatsAppAccountWID)}
}

func accountInfoTo(a AccountInfo) *wireAccount {
	return &wireAccount{FullName: wStr(a.FullName), Email: wStr(a.Email), Phone: wStr(a.Phone), WhatsAppAccountWID: wStr(a.WID)}
}

func accountFrom(w *wireAccount) WhatsAppAccount {
	if w == nil {
		return WhatsAppAccount{}
	}
	return WhatsAppAccount{
		ID:             string(w.ID),
		Phone:          string(w.Phone),
		ConnectedAt:    time.Time(w.ConnectedOn),
		DisconnectedAt: time.Time(w.DisconnectedOn),
		Status:         string(w.Status),
		AccountName:    string(w.AccountName),
		OwnerName:      string(w.OwnerName),
		OwnerEmail:     string(w.OwnerEmail),
	}
}

func accountTo(a WhatsAppAccount) *wireAccount {
	return &wireAccount{
		ID:             wStr(a.ID),
		Phone:          wStr(a.Phone),
		ConnectedOn:    wTime(a.ConnectedAt),
		DisconnectedOn: wTime(a.DisconnectedAt),
		Status:         wStr(a.Status),
		AccountName:    wStr(a.AccountName),
		OwnerName:      wStr(a.OwnerName),
		OwnerEmail:     wStr(a.OwnerEmail),
	}
}

func messageFrom(w *wireMessage) Message {
	if w == nil {
		return Message{}
	}
	m := Message{
		UID:        firstStr(w.MessageUID, w.UID),
		Text:       string(w.Text),
		Direction:  MessageDirection(w.Direction),
		Origin:     string(w.Origin),
		Timestamp:  time.Time(w.Timestamp),
		Sender:     contactFrom(w.Sender),
		Recipient:  contactFrom(w.Recipient),
		ReplyToUID: string(w.ReplyToUID),
	}
	for _, a := range w.Attachments {
		m.Attachments = append(m.Attachments, Attachment{
			TemporaryDownloadURL: string(a.TemporaryDownloadURL),
			Filename:             string(a.Filename),
			Size:                 int64(a.Size),
			MIMEType:             string(a.MIMEType),
		})
	}
	return m
}

func messageTo(m Message) *wireMessage {
	w := &wireMessage{
		Text:       wStr(m.Text),
		Direction:  wStr(m.Direction),
		Origin:     wStr(m.Origin),
		Timestamp:  wTime(m.Timestamp),
		MessageUID: wStr(m.UID),
		Sender:     contactTo(m.Sender),
		Recipient:  contactTo(m.Recipient),
		ReplyToUID: wStr(m.ReplyToUID),
	}
	for _, a := range m.Attachments {
		w.Attachments = append(w.Attachments, wireAttachment{
			TemporaryDownloadURL: wStr(a.TemporaryDownloadURL),
			Filename:             wStr(a.Filename),
			Size:                 wInt(a.Size),
			MIMEType:             wStr(a.MIMEType),
		})
	}
	return w
}

func reactionFrom(w *wireReaction) Reaction {
	if w == nil {
		return Reaction{}
	}
	r := Reaction{
		MessageUID: string(w.MessageUID),
		Action:     ReactionAction(w.Action),
		Emoji:      string(w.Emoji),
		Timestamp:  time.Time(w.Timestamp),
		Reactor:    contactFrom(w.Reactor),
	}
	if w.Reactions != nil {
		r.Reactions = make(map[string]int, len(w.Reactions))
		for k, v := range w.Reactions {
			r.Reactions[k] = int(v)
		}
	}
	return r
}

func reactionTo(r Reaction) *wireReaction {
	w := &wireReaction{
		MessageUID: wStr(r.MessageUID),
		Action:     wStr(r.Action),
		Emoji:      wStr(r.Emoji),
		Timestamp:  wTime(r.Timestamp),
		Reactor:    contactTo(r.Reactor),
	}
	if r.Reactions != nil {
		w.Reactions = make(map[string]wInt, len(r.Reactions))
		for k, v := range r.Reactions {
			w.Reactions[k] = wInt(v)
		}
	}
	return w
}

func callFrom(w *wireCall) Call {
	if w == nil {
		return Call{}
	}
	return Call{
		Duration:   int(w.Duration),
		Direction:  CallDirection(w.Direction),
		IsVideo:    w.IsVideo,
		Status:     string(w.Status),
		Timestamp:  time.Time(w.Timestamp),
		MessageUID: string(w.MessageUID),
		Caller:     contactFrom(w.Caller),
		Recipient:  contactFrom(w.Recipient),
	}
}

func callTo(c Call) *wireCall {
	return &wireCall{
		Duration:   wInt(c.Duration),
		Direction:  wStr(c.Direction),
		IsVideo:    c.IsVideo,
		Status:     wStr(c.Status),
		Timestamp:  wTime(c.Timestamp),
		MessageUID: wStr(c.MessageUID),
		Caller:     contactTo(c.Caller),
		Recipient:  contactTo(c.Recipient),
	}
}

// decodeWire decodes a body into the wire form. Errors wrap
// [ErrMalformedBody] and name the field without echoing its value.
func decodeWire(body []byte, w *wireEvent) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return malformed("empty body")
	}
	if body[0] != '{' {
		return malformed("body is not a JSON object")
	}
	err := json.Unmarshal(body, w)
	if err == nil {
		return nil
	}
	if te, ok := err.(*json.UnmarshalTypeError); ok && te.Field != "" {
		// Our leaves describe the expected value ("an integer"); for
		// encoding/json's own errors Value may quote the input.
		what := te.Value
		if !strings.HasPrefix(what, "a ") && !strings.HasPrefix(what, "an ") {
			what = "of type " + te.Type.String()
		}
		return malformed(fmt.Sprintf("field %q is not %s", te.Field, what))
	}
	return malformed("invalid JSON")
}

// ErrMalformedBody means a body is not a Public API webhook payload: not a
// JSON object, no string event_type, or a known field with a value of the
// wrong type. [Handler] answers 400. Errors wrapping it name the field but
// never echo its value. It is the same value as webhooks.ErrMalformedBody,
// so one errors.Is serves the receivers of both APIs.
var ErrMalformedBody = webhooks.ErrMalformedBody

func malformed(detail string) error {
	return fmt.Errorf("events: %w: %s", ErrMalformedBody, detail)
}
