package events

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"unicode/utf8"

	"github.com/tlpartner/tlpartner-go/internal/jsonobj"
)

// Parse decodes a Public API webhook body into a typed [Event]. The
// body is not authenticated in any way (see the package documentation).
//
// The event_type field selects the Go type; both namings of the chat
// events decode to the same type. An event type this package does not know
// yields an *[UnknownEvent] with the raw body, not an error, so a new
// server event never breaks a receiver.
//
// Decoding is tolerant where the docs are inconsistent: date-times in the
// Public API's "2006-01-02 15:04:05 -0700" form, RFC 3339 and the other
// forms the Public API client accepts; IDs and counts as numbers or numeric
// strings; string fields sent as numbers; the REST spellings of renamed
// keys (uid, id, name, last_message_uid, unattended); labels as strings or
// {"name": ...} objects. Missing fields and null leave the zero value;
// unknown fields are ignored.
//
// Parse returns an error wrapping [ErrMalformedBody] when the body is
// not a JSON object, has no string event_type, or a known field holds a
// value that cannot be converted.
func Parse(body []byte) (Event, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, malformed("empty body")
	}
	if trimmed[0] != '{' {
		return nil, malformed("body is not a JSON object")
	}
	// One pass finds event_type without decoding; the full decode below
	// (or json.Valid for an unknown event) then checks the syntax, so the
	// body is decoded once, not twice.
	var buf [16]jsonobj.Member
	members, ok := jsonobj.Append(buf[:0], trimmed)
	if !ok {
		return nil, malformed("invalid JSON")
	}
	raw, found := jsonobj.Find(members, "event_type")
	var typ string
	switch {
	case !found || len(raw) == 0 || string(raw) == "null":
		return nil, invalidOr(trimmed, "missing event_type")
	case raw[0] != '"' || !unquoteString(raw, &typ):
		return nil, invalidOr(trimmed, "event_type is not a string")
	case typ == "":
		return nil, invalidOr(trimmed, "empty event_type")
	}
	newEvent, ok := known[EventType(typ).Canonical()]
	if !ok {
		if !json.Valid(trimmed) {
			return nil, malformed("invalid JSON")
		}
		return &UnknownEvent{EventType: EventType(typ), Raw: bytes.Clone(trimmed)}, nil
	}
	var w wireEvent
	if err := decodeWire(trimmed, &w); err != nil {
		return nil, err
	}
	e := newEvent()
	e.fromWire(&w)
	return e, nil
}

// invalidOr reports invalid JSON when body is not valid, and detail
// otherwise, so that a broken body is always called so.
func invalidOr(body []byte, detail string) error {
	if !json.Valid(body) {
		return malformed("invalid JSON")
	}
	return malformed(detail)
}

// unquoteString decodes the JSON string raw (from a body whose syntax is
// checked separately): a string without escapes and with valid UTF-8 is
// its bytes.
func unquoteString(raw []byte, s *string) bool {
	if len(raw) >= 2 && raw[len(raw)-1] == '"' {
		inner := raw[1 : len(raw)-1]
		if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			*s = string(inner)
			return true
		}
	}
	return json.Unmarshal(raw, s) == nil
}

func decodeHead(body []byte, head any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return malformed("empty body")
	}
	if body[0] != '{' {
		return malformed("body is not a JSON object")
	}
	if err := json.Unmarshal(body, head); err != nil {
		return malformed("invalid JSON")
	}
	return nil
}

// knownEvent is implemented by the 16 event structs. fromWire, toWire and
// identity come from the payload struct an event embeds, so each schema is
// converted and keyed in one place.
type knownEvent interface {
	Event
	fromWire(w *wireEvent)
	toWire(w *wireEvent)
	// identity returns the fields that identify the event for its
	// DedupKey, or nil when the whole event does.
	identity() []string
}

var known = map[EventType]func() knownEvent{
	EventMessageNew:                  func() knownEvent { return new(MessageNew) },
	EventMessageSent:                 func() knownEvent { return new(MessageSent) },
	EventMessageReceived:             func() knownEvent { return new(MessageReceived) },
	EventMessageReaction:             func() knownEvent { return new(MessageReaction) },
	EventChatNew:                     func() knownEvent { return new(ChatNew) },
	EventChatIncoming:                func() knownEvent { return new(ChatIncoming) },
	EventChatOutgoing:                func() knownEvent { return new(ChatOutgoing) },
	EventChatAssigned:                func() knownEvent { return new(ChatAssigned) },
	EventChatUnassigned:              func() knownEvent { return new(ChatUnassigned) },
	EventWhatsAppAccountConnected:    func() knownEvent { return new(WhatsAppAccountConnected) },
	EventWhatsAppAccountDisconnected: func() knownEvent { return new(WhatsAppAccountDisconnected) },
	EventWhatsAppAccountSuspended:    func() knownEvent { return new(WhatsAppAccountSuspended) },
	EventWhatsAppAccountResumed:      func() knownEvent { return new(WhatsAppAccountResumed) },
	EventCallIncomingEnded:           func() knownEvent { return new(CallIncomingEnded) },
	EventCallOutgoingEnded:           func() knownEvent { return new(CallOutgoingEnded) },
	EventCallIncomingMissed:          func() knownEvent { return new(CallIncomingMissed) },
}

// The payload schemas.

func (p *MessagePayload) fromWire(w *wireEvent) {
	p.Chat, p.WhatsAppAccount, p.Message = chatFrom(w.Chat), accountInfoFrom(w.WhatsAppAccount), messageFrom(w.Message)
}

func (p *MessagePayload) toWire(w *wireEvent) {
	w.Chat, w.WhatsAppAccount, w.Message = chatTo(p.Chat, false), accountInfoTo(p.WhatsAppAccount), messageTo(p.Message)
}

// identity: a message is new once; its UID identifies it.
func (p *MessagePayload) identity() []string { return nonEmpty(p.Message.UID) }

func (e *MessageReaction) fromWire(w *wireEvent) {
	e.Chat, e.WhatsAppAccount, e.Reaction = chatFrom(w.Chat), accountInfoFrom(w.WhatsAppAccount), reactionFrom(w.Reaction)
}

func (e *MessageReaction) toWire(w *wireEvent) {
	w.Chat, w.WhatsAppAccount, w.Reaction = chatTo(e.Chat, false), accountInfoTo(e.WhatsAppAccount), reactionTo(e.Reaction)
}

// identity: who did what to which message, when.
func (e *MessageReaction) identity() []string {
	r := &e.Reaction
	if r.MessageUID == "" || r.Timestamp.IsZero() {
		return nil
	}
	return []string{r.MessageUID, string(r.Action), r.Emoji, r.Reactor.Phone, formatKeyTime(r.Timestamp)}
}

func (p *ChatPayload) fromWire(w *wireEvent) {
	p.Chat, p.WhatsAppAccount = chatFrom(w.Chat), accountInfoFrom(w.WhatsAppAccount)
}

func (p *ChatPayload) toWire(w *wireEvent) {
	w.Chat, w.WhatsAppAccount = chatTo(p.Chat, true), accountInfoTo(p.WhatsAppAccount)
}

// identity: the whole event. A chat is new once, but an assignment can be
// repeated, and nothing in the payload says when it happened.
func (p *ChatPayload) identity() []string { return nil }

// identity: a chat is created once; its ID identifies it.
func (e *ChatNew) identity() []string { return chatIdentity(&e.Chat) }

// identity: a chat is created once; its ID identifies it.
func (e *ChatIncoming) identity() []string { return chatIdentity(&e.Chat) }

// identity: a chat is created once; its ID identifies it.
func (e *ChatOutgoing) identity() []string { return chatIdentity(&e.Chat) }

func chatIdentity(c *Chat) []string {
	if c.ID == 0 {
		return nil
	}
	return []string{formatKeyInt(c.ID)}
}

func (p *AccountPayload) fromWire(w *wireEvent) { p.WhatsAppAccount = accountFrom(w.WhatsAppAccount) }

func (p *AccountPayload) toWire(w *wireEvent) { w.WhatsAppAccount = accountTo(p.WhatsAppAccount) }

// identity: the whole event (status changes repeat; the timestamps in it
// tell them apart).
func (p *AccountPayload) identity() []string { return nil }

func (p *CallPayload) fromWire(w *wireEvent) {
	p.Chat, p.WhatsAppAccount, p.Call = chatFrom(w.Chat), accountInfoFrom(w.WhatsAppAccount), callFrom(w.CallDetails)
}

func (p *CallPayload) toWire(w *wireEvent) {
	w.Chat, w.WhatsAppAccount, w.CallDetails = chatTo(p.Chat, false), accountInfoTo(p.WhatsAppAccount), callTo(p.Call)
}

// identity: the chat entry that records the call.
func (p *CallPayload) identity() []string { return nonEmpty(p.Call.MessageUID) }

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// marshalEvent encodes e in the webhook reference's wire form with
// event_type set from its Type.
func marshalEvent(e knownEvent) ([]byte, error) {
	w := wireEvent{EventType: e.Type()}
	e.toWire(&w)
	return json.Marshal(&w)
}

// dedupKey builds the DedupKey of a known event: the event type, "|", and
// the first 128 bits of the SHA-256 of its identifying fields (or of its
// wire form) in hex.
func dedupKey(e knownEvent) string {
	h := sha256.New()
	h.Write([]byte(e.Type()))
	if id := e.identity(); id != nil {
		for _, s := range id {
			h.Write([]byte{0})
			h.Write([]byte(s))
		}
	} else {
		b, err := marshalEvent(e)
		if err != nil { // cannot happen: every field encodes
			b = []byte(err.Error())
		}
		h.Write([]byte{1})
		h.Write(b)
	}
	return joinKey(e.Type(), h.Sum(nil))
}

func joinKey(t EventType, sum []byte) string {
	return string(t) + "|" + hex.EncodeToString(sum[:16])
}
