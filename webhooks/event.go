package webhooks

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// EventType is the value of a delivery's "event_type" field.
type EventType string

// Event types documented for TimelinesAI Partner webhooks.
const (
	// EventSeatsFull fires when no free seat is left in a workspace (at most
	// once per billing period). Payload: [SeatsFull].
	EventSeatsFull EventType = "workspace:seats_full"
	// EventMessagingQuotaNearFull fires when a workspace has used at least
	// 90 % of its messaging quota in the current billing period. Payload:
	// [MessagingQuotaNearFull].
	EventMessagingQuotaNearFull EventType = "workspace:quota_near_full:messaging"
	// EventMessagingQuotaFull fires when the messaging quota is used up;
	// sending is blocked from then on. Payload: [MessagingQuotaFull].
	EventMessagingQuotaFull EventType = "workspace:quota_full:messaging"
	// EventTransactionsQuotaFull fires when the transactions quota is used up.
	// Payload: [TransactionsQuotaFull].
	EventTransactionsQuotaFull EventType = "workspace:quota_full:transactions"
	// EventAPICallsQuotaFull fires when the Public API call allowance of the
	// current billing period is used up. Payload: [APICallsQuotaFull].
	EventAPICallsQuotaFull EventType = "workspace:quota_full:api_calls"
	// EventWhatsAppAccountConnected fires after a WhatsApp account got
	// connected for a workspace user. Payload: [WhatsAppAccountConnected].
	EventWhatsAppAccountConnected EventType = "whatsapp_account:connected"
	// EventWhatsAppAccountDisconnected fires after a WhatsApp account got
	// disconnected, by the partner or otherwise. Payload:
	// [WhatsAppAccountDisconnected].
	EventWhatsAppAccountDisconnected EventType = "whatsapp_account:disconnected"
	// EventAPITokenRotated fires after a workspace's Public API token was
	// rotated through the Partner API. Payload: [APITokenRotated].
	//
	// One page of the TimelinesAI docs spells this event "api-token:rotated";
	// [Parse] maps that spelling to EventAPITokenRotated.
	EventAPITokenRotated EventType = "api_token:rotated"
)

// eventTypeAliases maps spellings seen in the TimelinesAI docs to the
// canonical event type.
var eventTypeAliases = map[EventType]EventType{
	"api-token:rotated": EventAPITokenRotated,
}

// Known reports whether t is one of the eight documented event types
// (after mapping documented aliases such as "api-token:rotated").
func (t EventType) Known() bool {
	switch t.canonical() {
	case EventSeatsFull, EventMessagingQuotaNearFull, EventMessagingQuotaFull,
		EventTransactionsQuotaFull, EventAPICallsQuotaFull,
		EventWhatsAppAccountConnected, EventWhatsAppAccountDisconnected,
		EventAPITokenRotated:
		return true
	}
	return false
}

// String returns the event type as sent on the wire.
func (t EventType) String() string { return string(t) }

func (t EventType) canonical() EventType {
	if c, ok := eventTypeAliases[t]; ok {
		return c
	}
	return t
}

// Event is a parsed Partner webhook delivery. Its dynamic type is one of
// *[SeatsFull], *[MessagingQuotaNearFull], *[MessagingQuotaFull],
// *[TransactionsQuotaFull], *[APICallsQuotaFull],
// *[WhatsAppAccountConnected], *[WhatsAppAccountDisconnected],
// *[APITokenRotated] or, for event types this package does not know,
// *[UnknownEvent]. Use a type switch to get at the event-specific fields.
type Event interface {
	// Type returns the event type. For the typed events it is the canonical
	// constant (for example [EventAPITokenRotated] even when the delivery
	// used the "api-token:rotated" spelling); for an [UnknownEvent] it is the
	// event_type string as delivered.
	Type() EventType
	// Common returns the fields every event carries.
	Common() *CommonFields
	// DedupKey returns a key identifying this event for de-duplication; see
	// the package documentation for how to use it.
	DedupKey() string
}

// CommonFields holds the fields every Partner webhook payload carries. It is
// embedded in every event struct.
type CommonFields struct {
	// WorkspaceID is the workspace the event is about. A number sent instead
	// of a string is kept as its decimal text.
	WorkspaceID string
	// PartnerID is the partner_id field of the body. The body is not covered
	// by the signature: the verified partner ID is the one checked by
	// [Verifier.Verify], not this field.
	PartnerID string
	// TriggeredAt is when the event fired (for workspace:seats_full: when the
	// condition was first met in the billing period).
	TriggeredAt time.Time
}

// Common returns c itself. It makes every event struct satisfy the Common
// method of [Event].
func (c *CommonFields) Common() *CommonFields { return c }

// SeatsFull is the payload of [EventSeatsFull].
type SeatsFull struct {
	CommonFields
	// SeatsPurchased is the number of seats bought for the current period.
	SeatsPurchased int64
	// SeatsAvailable is the number of seats still free. It is expected to be
	// 0; the docs' own example shows 10, so do not rely on it.
	SeatsAvailable int64
}

// MessagingQuotaNearFull is the payload of [EventMessagingQuotaNearFull]
// (messaging use at 90 % or more). Its fields are those of
// [MessagingQuotaFull].
type MessagingQuotaNearFull struct {
	CommonFields
	// MessagingQuotaTotal is the messaging allowance of the period.
	MessagingQuotaTotal int64
	// MessagingQuotaUsed is the usage when the threshold was crossed.
	MessagingQuotaUsed int64
	// UtilizationPct is the whole-number usage percentage at trigger time.
	// The field is optional: nil when the delivery did not carry it. See
	// [MessagingQuotaNearFull.Utilization].
	UtilizationPct *int64
	// CurrentPeriodStart is the start of the billing period.
	CurrentPeriodStart time.Time
	// CurrentPeriodEnd is the end of the billing period.
	CurrentPeriodEnd time.Time
}

// MessagingQuotaFull is the payload of [EventMessagingQuotaFull] (messaging
// use at 100 % or more; sending is blocked). Note that the docs' example for
// this event shows 90000 of 100000 used and a utilization of 90.
type MessagingQuotaFull struct {
	CommonFields
	// MessagingQuotaTotal is the messaging allowance of the period.
	MessagingQuotaTotal int64
	// MessagingQuotaUsed is the usage when the threshold was crossed.
	MessagingQuotaUsed int64
	// UtilizationPct is the whole-number usage percentage at trigger time.
	// The field is optional: nil when the delivery did not carry it. See
	// [MessagingQuotaFull.Utilization].
	UtilizationPct *int64
	// CurrentPeriodStart is the start of the billing period.
	CurrentPeriodStart time.Time
	// CurrentPeriodEnd is the end of the billing period.
	CurrentPeriodEnd time.Time
}

// TransactionsQuotaFull is the payload of [EventTransactionsQuotaFull]. It
// carries no usage numbers.
type TransactionsQuotaFull struct {
	CommonFields
	// CurrentPeriodStart is the start of the billing period.
	CurrentPeriodStart time.Time
	// CurrentPeriodEnd is the end of the billing period.
	CurrentPeriodEnd time.Time
}

// APICallsQuotaFull is the payload of [EventAPICallsQuotaFull].
type APICallsQuotaFull struct {
	CommonFields
	// APICallsLimit is the Public API call allowance of the period.
	APICallsLimit int64
	// APICallsUsed is the number of calls used when the threshold was crossed.
	APICallsUsed int64
	// CurrentPeriodStart is the start of the billing period.
	CurrentPeriodStart time.Time
	// CurrentPeriodEnd is the end of the billing period.
	CurrentPeriodEnd time.Time
}

// WhatsAppAccountConnected is the payload of [EventWhatsAppAccountConnected].
type WhatsAppAccountConnected struct {
	CommonFields
	// WhatsAppAccountID is the internal WhatsApp account id.
	WhatsAppAccountID int64
	// PhoneNumberE164 is the account's phone number in E.164 form.
	PhoneNumberE164 string
	// UserID is the workspace user that owns the account.
	UserID int64
	// DisconnectedAt is optional and zero when absent (the schema shared with
	// the disconnect event declares it; it is not expected on connects).
	DisconnectedAt time.Time
	// Reason is optional free text and empty when absent.
	Reason string
}

// WhatsAppAccountDisconnected is the payload of
// [EventWhatsAppAccountDisconnected].
type WhatsAppAccountDisconnected struct {
	CommonFields
	// WhatsAppAccountID is the internal WhatsApp account id.
	WhatsAppAccountID int64
	// PhoneNumberE164 is the account's phone number in E.164 form.
	PhoneNumberE164 string
	// UserID is the workspace user that owned the account.
	UserID int64
	// DisconnectedAt is when the disconnect happened; zero when absent.
	DisconnectedAt time.Time
	// Reason is why the account was disconnected, as free text (the docs'
	// example is "(logged out)"); empty when absent.
	Reason string
}

// APITokenRotated is the payload of [EventAPITokenRotated]. The event does
// not carry the new token; fetch it with the Partner API.
type APITokenRotated struct {
	CommonFields
	// RotatedAt is when the old token was replaced (and stopped working).
	RotatedAt time.Time
}

// UnknownEvent is a delivery whose event_type this package does not know,
// for example an event TimelinesAI added after this version of the SDK. The
// common fields are filled in on a best-effort basis.
type UnknownEvent struct {
	CommonFields
	// EventType is the event_type string as delivered.
	EventType EventType
	// Raw is the complete JSON body of the delivery.
	Raw json.RawMessage
}

// Type returns [EventSeatsFull].
func (*SeatsFull) Type() EventType { return EventSeatsFull }

// Type returns [EventMessagingQuotaNearFull].
func (*MessagingQuotaNearFull) Type() EventType { return EventMessagingQuotaNearFull }

// Type returns [EventMessagingQuotaFull].
func (*MessagingQuotaFull) Type() EventType { return EventMessagingQuotaFull }

// Type returns [EventTransactionsQuotaFull].
func (*TransactionsQuotaFull) Type() EventType { return EventTransactionsQuotaFull }

// Type returns [EventAPICallsQuotaFull].
func (*APICallsQuotaFull) Type() EventType { return EventAPICallsQuotaFull }

// Type returns [EventWhatsAppAccountConnected].
func (*WhatsAppAccountConnected) Type() EventType { return EventWhatsAppAccountConnected }

// Type returns [EventWhatsAppAccountDisconnected].
func (*WhatsAppAccountDisconnected) Type() EventType { return EventWhatsAppAccountDisconnected }

// Type returns [EventAPITokenRotated].
func (*APITokenRotated) Type() EventType { return EventAPITokenRotated }

// Type returns the event_type string as delivered.
func (e *UnknownEvent) Type() EventType { return e.EventType }

// Utilization returns the usage percentage: UtilizationPct when the delivery
// carried it, otherwise MessagingQuotaUsed*100/MessagingQuotaTotal rounded
// down (0 when the total is not positive).
func (e *MessagingQuotaNearFull) Utilization() int64 {
	return utilization(e.UtilizationPct, e.MessagingQuotaUsed, e.MessagingQuotaTotal)
}

// Utilization returns the usage percentage: UtilizationPct when the delivery
// carried it, otherwise MessagingQuotaUsed*100/MessagingQuotaTotal rounded
// down (0 when the total is not positive).
func (e *MessagingQuotaFull) Utilization() int64 {
	return utilization(e.UtilizationPct, e.MessagingQuotaUsed, e.MessagingQuotaTotal)
}

func utilization(pct *int64, used, total int64) int64 {
	if pct != nil {
		return *pct
	}
	if total <= 0 || used <= 0 {
		return 0
	}
	if used > (1<<63-1)/100 {
		return int64(float64(used) * 100 / float64(total))
	}
	return used * 100 / total
}

// DedupKey returns "workspace:seats_full|<workspace>|<triggered_at>|<seats_purchased>".
func (e *SeatsFull) DedupKey() string {
	return dedupKey(e.Type(), &e.CommonFields, strconv.FormatInt(e.SeatsPurchased, 10))
}

// DedupKey returns the event type, workspace, triggered_at and billing period
// start joined by "|".
func (e *MessagingQuotaNearFull) DedupKey() string {
	return dedupKey(e.Type(), &e.CommonFields, formatKeyTime(e.CurrentPeriodStart))
}

// DedupKey returns the event type, workspace, triggered_at and billing period
// start joined by "|".
func (e *MessagingQuotaFull) DedupKey() string {
	return dedupKey(e.Type(), &e.CommonFields, formatKeyTime(e.CurrentPeriodStart))
}

// DedupKey returns the event type, workspace, triggered_at and billing period
// start joined by "|".
func (e *TransactionsQuotaFull) DedupKey() string {
	return dedupKey(e.Type(), &e.CommonFields, formatKeyTime(e.CurrentPeriodStart))
}

// DedupKey returns the event type, workspace, triggered_at and billing period
// start joined by "|".
func (e *APICallsQuotaFull) DedupKey() string {
	return dedupKey(e.Type(), &e.CommonFields, formatKeyTime(e.CurrentPeriodStart))
}

// DedupKey returns the event type, workspace, triggered_at and WhatsApp
// account id joined by "|".
func (e *WhatsAppAccountConnected) DedupKey() string {
	return dedupKey(e.Type(), &e.CommonFields, strconv.FormatInt(e.WhatsAppAccountID, 10))
}

// DedupKey returns the event type, workspace, triggered_at and WhatsApp
// account id joined by "|".
func (e *WhatsAppAccountDisconnected) DedupKey() string {
	return dedupKey(e.Type(), &e.CommonFields, strconv.FormatInt(e.WhatsAppAccountID, 10))
}

// DedupKey returns the event type, workspace, triggered_at and rotated_at
// joined by "|".
func (e *APITokenRotated) DedupKey() string {
	return dedupKey(e.Type(), &e.CommonFields, formatKeyTime(e.RotatedAt))
}

// DedupKey returns the event type, workspace, triggered_at and a hex SHA-256
// of the canonicalized raw body (keys sorted, whitespace and escapes
// normalized) joined by "|". The body hash stands in for the identifying
// field, which is unknown for an unknown event.
func (e *UnknownEvent) DedupKey() string {
	raw := []byte(e.Raw)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil {
		if canon, err := json.Marshal(v); err == nil {
			raw = canon
		}
	}
	sum := sha256.Sum256(raw)
	return dedupKey(e.Type(), &e.CommonFields, hex.EncodeToString(sum[:16]))
}

// keyEscaper keeps the "|" separator unambiguous inside key components.
var keyEscaper = strings.NewReplacer("%", "%25", "|", "%7C")

func dedupKey(t EventType, c *CommonFields, id string) string {
	var b strings.Builder
	b.Grow(len(t) + len(c.WorkspaceID) + len(id) + 40)
	b.WriteString(keyEscaper.Replace(string(t)))
	b.WriteByte('|')
	b.WriteString(keyEscaper.Replace(c.WorkspaceID))
	b.WriteByte('|')
	b.WriteString(formatKeyTime(c.TriggeredAt))
	b.WriteByte('|')
	b.WriteString(keyEscaper.Replace(id))
	return b.String()
}

// formatKeyTime normalizes t to UTC RFC 3339 with the shortest fraction, so
// "12:00:00Z" and "12:00:00.000Z" give the same key.
func formatKeyTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
