package events

// Methods of the event structs. Each event has a Type, a DedupKey and a
// MarshalJSON that writes the webhook reference's wire form; decoding comes
// from the payload struct it embeds.

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/hookhttp"
)

// Type returns [EventMessageNew].
func (*MessageNew) Type() EventType { return EventMessageNew }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *MessageNew) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e MessageNew) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventMessageSent].
func (*MessageSent) Type() EventType { return EventMessageSent }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *MessageSent) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e MessageSent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventMessageReceived].
func (*MessageReceived) Type() EventType { return EventMessageReceived }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *MessageReceived) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e MessageReceived) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventMessageReaction].
func (*MessageReaction) Type() EventType { return EventMessageReaction }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *MessageReaction) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e MessageReaction) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventChatNew].
func (*ChatNew) Type() EventType { return EventChatNew }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *ChatNew) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e ChatNew) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventChatIncoming].
func (*ChatIncoming) Type() EventType { return EventChatIncoming }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *ChatIncoming) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e ChatIncoming) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventChatOutgoing].
func (*ChatOutgoing) Type() EventType { return EventChatOutgoing }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *ChatOutgoing) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e ChatOutgoing) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventChatAssigned].
func (*ChatAssigned) Type() EventType { return EventChatAssigned }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *ChatAssigned) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e ChatAssigned) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventChatUnassigned].
func (*ChatUnassigned) Type() EventType { return EventChatUnassigned }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *ChatUnassigned) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e ChatUnassigned) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventWhatsAppAccountConnected].
func (*WhatsAppAccountConnected) Type() EventType { return EventWhatsAppAccountConnected }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *WhatsAppAccountConnected) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e WhatsAppAccountConnected) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventWhatsAppAccountDisconnected].
func (*WhatsAppAccountDisconnected) Type() EventType { return EventWhatsAppAccountDisconnected }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *WhatsAppAccountDisconnected) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e WhatsAppAccountDisconnected) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventWhatsAppAccountSuspended].
func (*WhatsAppAccountSuspended) Type() EventType { return EventWhatsAppAccountSuspended }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *WhatsAppAccountSuspended) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e WhatsAppAccountSuspended) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventWhatsAppAccountResumed].
func (*WhatsAppAccountResumed) Type() EventType { return EventWhatsAppAccountResumed }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *WhatsAppAccountResumed) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e WhatsAppAccountResumed) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventCallIncomingEnded].
func (*CallIncomingEnded) Type() EventType { return EventCallIncomingEnded }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *CallIncomingEnded) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e CallIncomingEnded) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventCallOutgoingEnded].
func (*CallOutgoingEnded) Type() EventType { return EventCallOutgoingEnded }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *CallOutgoingEnded) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e CallOutgoingEnded) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// Type returns [EventCallIncomingMissed].
func (*CallIncomingMissed) Type() EventType { return EventCallIncomingMissed }

// DedupKey returns the event's de-duplication key; see the package
// documentation.
func (e *CallIncomingMissed) DedupKey() string { return dedupKey(e) }

// MarshalJSON encodes the event in the webhook reference's wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e CallIncomingMissed) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a body as [Parse] does, ignoring its
// event_type. The event structs embedding MessagePayload inherit it.
func (p *MessagePayload) UnmarshalJSON(b []byte) error { return unmarshalInto(b, p) }

// UnmarshalJSON decodes a body as [Parse] does, ignoring its
// event_type. The event structs embedding ChatPayload inherit it.
func (p *ChatPayload) UnmarshalJSON(b []byte) error { return unmarshalInto(b, p) }

// UnmarshalJSON decodes a body as [Parse] does, ignoring its
// event_type. The event structs embedding AccountPayload inherit it.
func (p *AccountPayload) UnmarshalJSON(b []byte) error { return unmarshalInto(b, p) }

// UnmarshalJSON decodes a body as [Parse] does, ignoring its
// event_type. The event structs embedding CallPayload inherit it.
func (p *CallPayload) UnmarshalJSON(b []byte) error { return unmarshalInto(b, p) }

// UnmarshalJSON decodes a body as [Parse] does, ignoring its
// event_type.
func (e *MessageReaction) UnmarshalJSON(b []byte) error { return unmarshalInto(b, e) }

func unmarshalInto(b []byte, p interface{ fromWire(*wireEvent) }) error {
	var w wireEvent
	if err := decodeWire(b, &w); err != nil {
		return err
	}
	p.fromWire(&w)
	return nil
}

// Type returns the event_type as delivered.
func (e *UnknownEvent) Type() EventType { return e.EventType }

// DedupKey returns the event type as delivered, "|", and the first 128 bits
// of the SHA-256 of the canonicalized raw body (keys sorted, whitespace and
// escapes normalized) in hex.
func (e *UnknownEvent) DedupKey() string {
	sum := hookhttp.CanonicalBodyHash([]byte(e.Raw))
	return joinKey(e.EventType, sum[:])
}

// UnmarshalJSON keeps b as Raw and takes EventType from its event_type
// field.
func (e *UnknownEvent) UnmarshalJSON(b []byte) error {
	var head struct {
		EventType wStr `json:"event_type"`
	}
	if err := decodeHead(b, &head); err != nil {
		return err
	}
	*e = UnknownEvent{EventType: EventType(head.EventType), Raw: bytes.Clone(bytes.TrimSpace(b))}
	return nil
}

// MarshalJSON returns Raw when it is set, and otherwise an object holding
// only event_type.
func (e UnknownEvent) MarshalJSON() ([]byte, error) {
	if len(e.Raw) > 0 {
		return e.Raw, nil
	}
	return json.Marshal(struct {
		EventType EventType `json:"event_type"`
	}{e.EventType})
}

// formatKeyTime normalizes t to UTC RFC 3339 with the shortest fraction, so
// that the same instant in two notations gives the same key.
func formatKeyTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func formatKeyInt(n int64) string { return strconv.FormatInt(n, 10) }
