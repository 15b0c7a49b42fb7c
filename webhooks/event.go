package webhooks

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/hookhttp"
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
	_, ok := knownEvents[t.canonical()]
	return ok
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
	WorkspaceID string `json:"workspace_id"`
	// PartnerID is the partner_id field of the body. The body is not covered
	// by the signature: the verified partner ID is the one checked by
	// [Verifier.Verify], not this field.
	PartnerID string `json:"partner_id"`
	// TriggeredAt is when the event fired (for workspace:seats_full: when the
	// condition was first met in the billing period).
	TriggeredAt time.Time `json:"triggered_at"`
}

// Common returns c itself. It makes every event struct satisfy the Common
// method of [Event].
func (c *CommonFields) Common() *CommonFields { return c }

// SeatsFull is the payload of [EventSeatsFull].
type SeatsFull struct {
	CommonFields
	// SeatsPurchased is the number of seats bought for the current period.
	SeatsPurchased int `json:"seats_purchased"`
	// SeatsAvailable is the number of seats still free. It is expected to be
	// 0; the docs' own example shows 10, so do not rely on it.
	SeatsAvailable int `json:"seats_available"`
}

// MessagingQuotaUsage holds the payload fields that the two messaging quota
// events share (one wire schema). It is embedded in [MessagingQuotaNearFull]
// and [MessagingQuotaFull], so its fields and its Utilization method are
// reached directly on either event (e.MessagingQuotaUsed), and code that
// treats both events alike can take a *MessagingQuotaUsage.
type MessagingQuotaUsage struct {
	// MessagingQuotaTotal is the messaging allowance of the period.
	MessagingQuotaTotal int `json:"messaging_quota_total"`
	// MessagingQuotaUsed is the usage when the threshold was crossed.
	MessagingQuotaUsed int `json:"messaging_quota_used"`
	// UtilizationPct is the whole-number usage percentage at trigger time.
	// The field is optional: nil when the delivery did not carry it. See
	// [MessagingQuotaUsage.Utilization].
	UtilizationPct *int `json:"utilization_pct,omitempty"`
	// CurrentPeriodStart is the start of the billing period.
	CurrentPeriodStart time.Time `json:"current_period_start"`
	// CurrentPeriodEnd is the end of the billing period.
	CurrentPeriodEnd time.Time `json:"current_period_end"`
}

// MessagingQuotaNearFull is the payload of [EventMessagingQuotaNearFull]
// (messaging use at 90 % or more). Its payload fields and Utilization come
// from the embedded [MessagingQuotaUsage], shared with [MessagingQuotaFull].
type MessagingQuotaNearFull struct {
	CommonFields
	MessagingQuotaUsage
}

// MessagingQuotaFull is the payload of [EventMessagingQuotaFull] (messaging
// use at 100 % or more; sending is blocked). Its payload fields and
// Utilization come from the embedded [MessagingQuotaUsage], shared with
// [MessagingQuotaNearFull]. Note that the docs' example for this event shows
// 90000 of 100000 used and a utilization of 90.
type MessagingQuotaFull struct {
	CommonFields
	MessagingQuotaUsage
}

// TransactionsQuotaFull is the payload of [EventTransactionsQuotaFull]. It
// carries no usage numbers.
type TransactionsQuotaFull struct {
	CommonFields
	// CurrentPeriodStart is the start of the billing period.
	CurrentPeriodStart time.Time `json:"current_period_start"`
	// CurrentPeriodEnd is the end of the billing period.
	CurrentPeriodEnd time.Time `json:"current_period_end"`
}

// APICallsQuotaFull is the payload of [EventAPICallsQuotaFull].
type APICallsQuotaFull struct {
	CommonFields
	// APICallsLimit is the Public API call allowance of the period.
	APICallsLimit int `json:"api_calls_limit"`
	// APICallsUsed is the number of calls used when the threshold was crossed.
	APICallsUsed int `json:"api_calls_used"`
	// CurrentPeriodStart is the start of the billing period.
	CurrentPeriodStart time.Time `json:"current_period_start"`
	// CurrentPeriodEnd is the end of the billing period.
	CurrentPeriodEnd time.Time `json:"current_period_end"`
}

// WhatsAppAccountChange holds the payload fields that the two WhatsApp
// account events share (one wire schema). It is embedded in
// [WhatsAppAccountConnected] and [WhatsAppAccountDisconnected], so its fields
// are reached directly on either event (e.UserID), and code that treats both
// events alike can take a *WhatsAppAccountChange.
type WhatsAppAccountChange struct {
	// WhatsAppAccountID is the internal WhatsApp account id.
	WhatsAppAccountID int64 `json:"whatsapp_account_id"`
	// PhoneNumberE164 is the account's phone number in E.164 form.
	PhoneNumberE164 string `json:"phone_number_e164"`
	// UserID is the workspace user that owns the account.
	UserID int64 `json:"user_id"`
	// DisconnectedAt is when the disconnect happened. It is optional and
	// zero when absent; it is not expected on connects.
	DisconnectedAt time.Time `json:"disconnected_at,omitzero"`
	// Reason is why the account was disconnected, as free text (the docs'
	// example is "(logged out)"). It is optional and empty when absent; it
	// is not expected on connects.
	Reason string `json:"reason,omitempty"`
}

// WhatsAppAccountConnected is the payload of [EventWhatsAppAccountConnected].
// Its payload fields come from the embedded [WhatsAppAccountChange], shared
// with [WhatsAppAccountDisconnected].
type WhatsAppAccountConnected struct {
	CommonFields
	WhatsAppAccountChange
}

// WhatsAppAccountDisconnected is the payload of
// [EventWhatsAppAccountDisconnected]. Its payload fields come from the
// embedded [WhatsAppAccountChange], shared with [WhatsAppAccountConnected].
type WhatsAppAccountDisconnected struct {
	CommonFields
	WhatsAppAccountChange
}

// APITokenRotated is the payload of [EventAPITokenRotated]. The event does
// not carry the new token; fetch it with the Partner API.
type APITokenRotated struct {
	CommonFields
	// RotatedAt is when the old token was replaced (and stopped working).
	RotatedAt time.Time `json:"rotated_at"`
}

// UnknownEvent is a delivery whose event_type this package does not know,
// for example an event TimelinesAI added after this version of the SDK. The
// common fields are filled in on a best-effort basis.
type UnknownEvent struct {
	CommonFields
	// EventType is the event_type string as delivered.
	EventType EventType `json:"event_type"`
	// Raw is the complete JSON body of the delivery.
	Raw json.RawMessage `json:"-"`
}

// knownEvent is implemented by the event structs of the documented event
// types. decodeFields, encodeFields and keyField handle the fields beyond
// [CommonFields]; for events that share a wire schema they are promoted from
// the shared struct ([MessagingQuotaUsage], [WhatsAppAccountChange]), so each
// schema is decoded, encoded and keyed in one place.
type knownEvent interface {
	Event
	// decodeFields reads the event-specific fields from d.
	decodeFields(d *decoder)
	// encodeFields sets the event-specific fields of w.
	encodeFields(w *wireEvent)
	// keyField returns the identifying field used in the DedupKey.
	keyField() string
}

// knownEvents maps each documented event type to a constructor of its
// struct; [Parse] decodes every other type into an [UnknownEvent].
var knownEvents = map[EventType]func() knownEvent{
	EventSeatsFull:                   func() knownEvent { return new(SeatsFull) },
	EventMessagingQuotaNearFull:      func() knownEvent { return new(MessagingQuotaNearFull) },
	EventMessagingQuotaFull:          func() knownEvent { return new(MessagingQuotaFull) },
	EventTransactionsQuotaFull:       func() knownEvent { return new(TransactionsQuotaFull) },
	EventAPICallsQuotaFull:           func() knownEvent { return new(APICallsQuotaFull) },
	EventWhatsAppAccountConnected:    func() knownEvent { return new(WhatsAppAccountConnected) },
	EventWhatsAppAccountDisconnected: func() knownEvent { return new(WhatsAppAccountDisconnected) },
	EventAPITokenRotated:             func() knownEvent { return new(APITokenRotated) },
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
// down (0 when either number is not positive).
func (u *MessagingQuotaUsage) Utilization() int {
	if u.UtilizationPct != nil {
		return *u.UtilizationPct
	}
	used, total := u.MessagingQuotaUsed, u.MessagingQuotaTotal
	if total <= 0 || used <= 0 {
		return 0
	}
	if used > math.MaxInt/100 {
		return int(float64(used) * 100 / float64(total))
	}
	return used * 100 / total
}

// DedupKey returns "workspace:seats_full|<workspace>|<triggered_at>|<seats_purchased>".
func (e *SeatsFull) DedupKey() string { return dedupKey(e) }

// DedupKey returns the event type, workspace, triggered_at and billing period
// start joined by "|".
func (e *MessagingQuotaNearFull) DedupKey() string { return dedupKey(e) }

// DedupKey returns the event type, workspace, triggered_at and billing period
// start joined by "|".
func (e *MessagingQuotaFull) DedupKey() string { return dedupKey(e) }

// DedupKey returns the event type, workspace, triggered_at and billing period
// start joined by "|".
func (e *TransactionsQuotaFull) DedupKey() string { return dedupKey(e) }

// DedupKey returns the event type, workspace, triggered_at and billing period
// start joined by "|".
func (e *APICallsQuotaFull) DedupKey() string { return dedupKey(e) }

// DedupKey returns the event type, workspace, triggered_at and WhatsApp
// account id joined by "|".
func (e *WhatsAppAccountConnected) DedupKey() string { return dedupKey(e) }

// DedupKey returns the event type, workspace, triggered_at and WhatsApp
// account id joined by "|".
func (e *WhatsAppAccountDisconnected) DedupKey() string { return dedupKey(e) }

// DedupKey returns the event type, workspace, triggered_at and rotated_at
// joined by "|".
func (e *APITokenRotated) DedupKey() string { return dedupKey(e) }

// DedupKey returns the event type, workspace, triggered_at and a body hash
// joined by "|". The hash, which stands in for the identifying field of an
// unknown event, is the first 128 bits of the SHA-256 of the canonicalized
// raw body (keys sorted, whitespace and escapes normalized), in hex.
func (e *UnknownEvent) DedupKey() string {
	sum := hookhttp.CanonicalBodyHash([]byte(e.Raw))
	return joinKey(e.Type(), &e.CommonFields, hex.EncodeToString(sum[:16]))
}

func (e *SeatsFull) keyField() string { return strconv.Itoa(e.SeatsPurchased) }

func (u *MessagingQuotaUsage) keyField() string { return formatKeyTime(u.CurrentPeriodStart) }

func (e *TransactionsQuotaFull) keyField() string { return formatKeyTime(e.CurrentPeriodStart) }

func (e *APICallsQuotaFull) keyField() string { return formatKeyTime(e.CurrentPeriodStart) }

func (a *WhatsAppAccountChange) keyField() string { return strconv.FormatInt(a.WhatsAppAccountID, 10) }

func (e *APITokenRotated) keyField() string { return formatKeyTime(e.RotatedAt) }

// dedupKey builds the DedupKey of a documented event.
func dedupKey(e knownEvent) string { return joinKey(e.Type(), e.Common(), e.keyField()) }

// keyEscaper keeps the "|" separator unambiguous inside key components.
var keyEscaper = strings.NewReplacer("%", "%25", "|", "%7C")

func joinKey(t EventType, c *CommonFields, id string) string {
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
