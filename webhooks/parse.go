package webhooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tlpartner/tlpartner-go/internal/jsonobj"
)

// Parse decodes a Partner webhook body into a typed [Event] without
// verifying anything. Use it only on bodies whose delivery you verified with
// [Verifier.Verify], or use [ConstructEvent] / [Handler], which do both.
//
// The event_type field selects the Go type (see [Event]); the documented
// alias "api-token:rotated" yields an *[APITokenRotated]. An event type this
// package does not know yields an *[UnknownEvent] rather than an error, so a
// new server event never breaks a receiver.
//
// Decoding is tolerant where the docs are inconsistent:
//   - timestamps are RFC 3339 with or without fractional seconds; a timestamp
//     without a zone is taken as UTC, and a JSON number as Unix seconds;
//   - integer fields accept JSON numbers and numeric strings ("67890");
//     string ids accept numbers (workspace_id 12345 becomes "12345");
//   - missing fields and JSON null leave the zero value; unknown fields are
//     ignored.
//
// Parse returns an error wrapping [ErrMalformedBody] when the body is not a
// JSON object, has no string event_type, or a known field has a value that
// cannot be converted (for example a non-numeric user_id). Error texts name
// the offending field but never echo its value.
func Parse(body []byte) (Event, error) {
	d, err := newDecoder(body)
	if err != nil {
		return nil, err
	}
	raw, ok := d.get("event_type")
	if !ok || isNull(raw) {
		return nil, malformed("missing event_type")
	}
	var typ string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &typ) != nil {
		return nil, malformed("event_type is not a string")
	}
	if typ == "" {
		return nil, malformed("empty event_type")
	}
	newEvent, ok := knownEvents[EventType(typ).canonical()]
	if !ok {
		u := &UnknownEvent{EventType: EventType(typ), Raw: bytes.Clone(body)}
		u.decode(d)
		return u, nil
	}
	e := newEvent()
	if err := decodeEvent(d, e); err != nil {
		return nil, err
	}
	return e, nil
}

func malformed(detail string) error {
	return fmt.Errorf("webhooks: %w: %s", ErrMalformedBody, detail)
}

// decoder reads typed values out of a flat JSON object, remembering the first
// conversion error. The members are found in one pass over the body
// (internal/jsonobj) after json.Valid checked its syntax: no map and no
// decode of the whole body.
type decoder struct {
	f   []jsonobj.Member
	buf [16]jsonobj.Member
	err error
}

func newDecoder(body []byte) (*decoder, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, malformed("empty body")
	}
	if body[0] != '{' {
		return nil, malformed("body is not a JSON object")
	}
	if !json.Valid(body) {
		return nil, malformed("invalid JSON")
	}
	d := &decoder{}
	var ok bool
	if d.f, ok = jsonobj.Append(d.buf[:0], body); !ok {
		return nil, malformed("invalid JSON")
	}
	return d, nil
}

// get returns the raw value of key (the last one when the key repeats, as
// encoding/json decides).
func (d *decoder) get(key string) (json.RawMessage, bool) {
	return jsonobj.Find(d.f, key)
}

func (d *decoder) fail(key, what string) {
	if d.err == nil {
		d.err = malformed(fmt.Sprintf("field %q is not %s", key, what))
	}
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func (d *decoder) common(c *CommonFields) {
	c.WorkspaceID = d.str("workspace_id")
	c.PartnerID = d.str("partner_id")
	c.TriggeredAt = d.time("triggered_at")
}

// unquote decodes the JSON string raw into s. raw comes from a document that
// already passed json.Unmarshal, so a string without escapes and with valid
// UTF-8 can be taken as is; anything else goes through encoding/json.
func unquote(raw json.RawMessage, s *string) bool {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		inner := raw[1 : len(raw)-1]
		if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			*s = string(inner)
			return true
		}
	}
	return json.Unmarshal(raw, s) == nil
}

// str reads a string; a JSON number is kept as its literal text.
func (d *decoder) str(key string) string {
	raw, ok := d.get(key)
	if !ok || isNull(raw) {
		return ""
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if !unquote(raw, &s) {
			d.fail(key, "a string")
			return ""
		}
		return s
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw)
	}
	d.fail(key, "a string")
	return ""
}

// int reads an integer given as a JSON number or numeric string.
func (d *decoder) int(key string) int64 {
	v, _ := d.intPresent(key, false)
	return v
}

// count reads a count (an int) given as a JSON number or numeric string.
func (d *decoder) count(key string) int {
	v, _ := d.countPresent(key, false)
	return v
}

// optCount reads an optional count; fractions are truncated.
func (d *decoder) optCount(key string) *int {
	v, ok := d.countPresent(key, true)
	if !ok {
		return nil
	}
	return &v
}

// countPresent is intPresent for counts: a value that does not fit an int
// is malformed.
func (d *decoder) countPresent(key string, allowFraction bool) (int, bool) {
	v, ok := d.intPresent(key, allowFraction)
	if ok && (v > math.MaxInt || v < math.MinInt) {
		d.fail(key, "an integer")
		return 0, false
	}
	return int(v), ok
}

func (d *decoder) intPresent(key string, allowFraction bool) (int64, bool) {
	raw, ok := d.get(key)
	if !ok || isNull(raw) {
		return 0, false
	}
	var s string
	switch c := raw[0]; {
	case c == '"':
		if !unquote(raw, &s) {
			d.fail(key, "an integer")
			return 0, false
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, false
		}
	case c == '-' || (c >= '0' && c <= '9'):
		s = string(raw)
	default:
		d.fail(key, "an integer")
		return 0, false
	}
	v, ok := parseInt(s, allowFraction)
	if !ok {
		d.fail(key, "an integer")
		return 0, false
	}
	return v, true
}

func parseInt(s string, allowFraction bool) (int64, bool) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	t := math.Trunc(f)
	if t != f && !allowFraction {
		return 0, false
	}
	if t < -(1<<63) || t >= 1<<63 {
		return 0, false
	}
	return int64(t), true
}

// Unix seconds accepted for numeric timestamps: years 0001 to 9999, the range
// RFC 3339 can express.
const (
	minUnix = -62135596800
	maxUnix = 253402300799
)

var timeLayouts = []string{
	time.RFC3339Nano, // also accepts no fractional seconds
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// time reads a date-time; see [Parse] for the accepted forms.
func (d *decoder) time(key string) time.Time {
	raw, ok := d.get(key)
	if !ok || isNull(raw) {
		return time.Time{}
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if !unquote(raw, &s) {
			d.fail(key, "a date-time")
			return time.Time{}
		}
		t, ok := parseTime(s)
		if !ok {
			d.fail(key, "a date-time")
		}
		return t
	case c == '-' || (c >= '0' && c <= '9'):
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || math.IsNaN(f) || f < minUnix || f > maxUnix {
			d.fail(key, "a date-time")
			return time.Time{}
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	d.fail(key, "a date-time")
	return time.Time{}
}

func parseTime(s string) (time.Time, bool) {
	// RFC 3339 allows lower-case "t" and "z"; no other letters can occur.
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// decodeEvent fills e from d and returns the first conversion error.
func decodeEvent(d *decoder, e knownEvent) error {
	d.common(e.Common())
	e.decodeFields(d)
	return d.err
}

func unmarshalInto(b []byte, e knownEvent) error {
	d, err := newDecoder(b)
	if err != nil {
		return err
	}
	return decodeEvent(d, e)
}

// wireEvent is the flat JSON form of every event, in the field order of the
// docs. Pointers mark fields that only some events carry.
type wireEvent struct {
	WorkspaceID         string    `json:"workspace_id"`
	EventType           EventType `json:"event_type"`
	PartnerID           string    `json:"partner_id"`
	TriggeredAt         string    `json:"triggered_at"`
	SeatsPurchased      *int      `json:"seats_purchased,omitempty"`
	SeatsAvailable      *int      `json:"seats_available,omitempty"`
	MessagingQuotaTotal *int      `json:"messaging_quota_total,omitempty"`
	MessagingQuotaUsed  *int      `json:"messaging_quota_used,omitempty"`
	UtilizationPct      *int      `json:"utilization_pct,omitempty"`
	APICallsLimit       *int      `json:"api_calls_limit,omitempty"`
	APICallsUsed        *int      `json:"api_calls_used,omitempty"`
	WhatsAppAccountID   *int64    `json:"whatsapp_account_id,omitempty"`
	PhoneNumberE164     *string   `json:"phone_number_e164,omitempty"`
	UserID              *int64    `json:"user_id,omitempty"`
	CurrentPeriodStart  *string   `json:"current_period_start,omitempty"`
	CurrentPeriodEnd    *string   `json:"current_period_end,omitempty"`
	DisconnectedAt      *string   `json:"disconnected_at,omitempty"`
	Reason              *string   `json:"reason,omitempty"`
	RotatedAt           *string   `json:"rotated_at,omitempty"`
}

func newWire(t EventType, c *CommonFields) *wireEvent {
	return &wireEvent{
		WorkspaceID: c.WorkspaceID,
		EventType:   t,
		PartnerID:   c.PartnerID,
		TriggeredAt: formatTime(c.TriggeredAt),
	}
}

// marshalEvent encodes e in the documented wire form, with event_type set
// from its Type.
func marshalEvent(e knownEvent) ([]byte, error) {
	w := newWire(e.Type(), e.Common())
	e.encodeFields(w)
	return json.Marshal(w)
}

func formatTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

func timePtr(t time.Time) *string {
	s := formatTime(t)
	return &s
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return timePtr(t)
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// The wire schemas. Each schema's fields beyond the common ones are decoded
// and encoded once; the paired events get these methods from the struct they
// share.

// workspace:seats_full (PartnerAPIWhSeatsFull).

func (e *SeatsFull) decodeFields(d *decoder) {
	e.SeatsPurchased = d.count("seats_purchased")
	e.SeatsAvailable = d.count("seats_available")
}

func (e *SeatsFull) encodeFields(w *wireEvent) {
	w.SeatsPurchased, w.SeatsAvailable = &e.SeatsPurchased, &e.SeatsAvailable
}

// workspace:quota_near_full:messaging and workspace:quota_full:messaging
// (PartnerAPIWhMessaging).

func (u *MessagingQuotaUsage) decodeFields(d *decoder) {
	u.MessagingQuotaTotal = d.count("messaging_quota_total")
	u.MessagingQuotaUsed = d.count("messaging_quota_used")
	u.UtilizationPct = d.optCount("utilization_pct")
	u.CurrentPeriodStart = d.time("current_period_start")
	u.CurrentPeriodEnd = d.time("current_period_end")
}

func (u *MessagingQuotaUsage) encodeFields(w *wireEvent) {
	w.MessagingQuotaTotal, w.MessagingQuotaUsed = &u.MessagingQuotaTotal, &u.MessagingQuotaUsed
	w.UtilizationPct = u.UtilizationPct
	w.CurrentPeriodStart, w.CurrentPeriodEnd = timePtr(u.CurrentPeriodStart), timePtr(u.CurrentPeriodEnd)
}

// workspace:quota_full:transactions (PartnerAPIWhTransactions).

func (e *TransactionsQuotaFull) decodeFields(d *decoder) {
	e.CurrentPeriodStart = d.time("current_period_start")
	e.CurrentPeriodEnd = d.time("current_period_end")
}

func (e *TransactionsQuotaFull) encodeFields(w *wireEvent) {
	w.CurrentPeriodStart, w.CurrentPeriodEnd = timePtr(e.CurrentPeriodStart), timePtr(e.CurrentPeriodEnd)
}

// workspace:quota_full:api_calls (PartnerAPIWhPublicApi).

func (e *APICallsQuotaFull) decodeFields(d *decoder) {
	e.APICallsLimit = d.count("api_calls_limit")
	e.APICallsUsed = d.count("api_calls_used")
	e.CurrentPeriodStart = d.time("current_period_start")
	e.CurrentPeriodEnd = d.time("current_period_end")
}

func (e *APICallsQuotaFull) encodeFields(w *wireEvent) {
	w.APICallsLimit, w.APICallsUsed = &e.APICallsLimit, &e.APICallsUsed
	w.CurrentPeriodStart, w.CurrentPeriodEnd = timePtr(e.CurrentPeriodStart), timePtr(e.CurrentPeriodEnd)
}

// whatsapp_account:connected and whatsapp_account:disconnected
// (PartnerAPIWhWhatsappAccount).

func (a *WhatsAppAccountChange) decodeFields(d *decoder) {
	a.WhatsAppAccountID = d.int("whatsapp_account_id")
	a.PhoneNumberE164 = d.str("phone_number_e164")
	a.UserID = d.int("user_id")
	a.DisconnectedAt = d.time("disconnected_at")
	a.Reason = d.str("reason")
}

func (a *WhatsAppAccountChange) encodeFields(w *wireEvent) {
	w.WhatsAppAccountID, w.PhoneNumberE164, w.UserID = &a.WhatsAppAccountID, &a.PhoneNumberE164, &a.UserID
	w.DisconnectedAt, w.Reason = optTime(a.DisconnectedAt), optString(a.Reason)
}

// api_token:rotated (PartnerAPIWhPublicApiTokenRotated).

func (e *APITokenRotated) decodeFields(d *decoder) {
	e.RotatedAt = d.time("rotated_at")
}

func (e *APITokenRotated) encodeFields(w *wireEvent) {
	w.RotatedAt = timePtr(e.RotatedAt)
}

// UnmarshalJSON decodes a workspace:seats_full body as [Parse] does; the
// event_type field is ignored.
func (e *SeatsFull) UnmarshalJSON(b []byte) error { return unmarshalInto(b, e) }

// UnmarshalJSON decodes a messaging quota body as [Parse] does; the
// event_type field is ignored.
func (e *MessagingQuotaNearFull) UnmarshalJSON(b []byte) error { return unmarshalInto(b, e) }

// UnmarshalJSON decodes a messaging quota body as [Parse] does; the
// event_type field is ignored.
func (e *MessagingQuotaFull) UnmarshalJSON(b []byte) error { return unmarshalInto(b, e) }

// UnmarshalJSON decodes a workspace:quota_full:transactions body as [Parse]
// does; the event_type field is ignored.
func (e *TransactionsQuotaFull) UnmarshalJSON(b []byte) error { return unmarshalInto(b, e) }

// UnmarshalJSON decodes a workspace:quota_full:api_calls body as [Parse]
// does; the event_type field is ignored.
func (e *APICallsQuotaFull) UnmarshalJSON(b []byte) error { return unmarshalInto(b, e) }

// UnmarshalJSON decodes a WhatsApp account body as [Parse] does; the
// event_type field is ignored.
func (e *WhatsAppAccountConnected) UnmarshalJSON(b []byte) error { return unmarshalInto(b, e) }

// UnmarshalJSON decodes a WhatsApp account body as [Parse] does; the
// event_type field is ignored.
func (e *WhatsAppAccountDisconnected) UnmarshalJSON(b []byte) error { return unmarshalInto(b, e) }

// UnmarshalJSON decodes an api_token:rotated body as [Parse] does; the
// event_type field is ignored.
func (e *APITokenRotated) UnmarshalJSON(b []byte) error { return unmarshalInto(b, e) }

// MarshalJSON encodes the event in the documented wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e SeatsFull) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// MarshalJSON encodes the event in the documented wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e MessagingQuotaNearFull) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// MarshalJSON encodes the event in the documented wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e MessagingQuotaFull) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// MarshalJSON encodes the event in the documented wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e TransactionsQuotaFull) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// MarshalJSON encodes the event in the documented wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e APICallsQuotaFull) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// MarshalJSON encodes the event in the documented wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e WhatsAppAccountConnected) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// MarshalJSON encodes the event in the documented wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e WhatsAppAccountDisconnected) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// MarshalJSON encodes the event in the documented wire form, with
// event_type set from Type. It is what [Parse] reads back.
func (e APITokenRotated) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// decode fills the common fields on a best-effort basis: a field that cannot
// be converted is left zero instead of failing the unknown event.
func (e *UnknownEvent) decode(d *decoder) {
	d.common(&e.CommonFields)
	d.err = nil
}

// UnmarshalJSON keeps b as Raw, takes EventType from its event_type field and
// fills the common fields on a best-effort basis.
func (e *UnknownEvent) UnmarshalJSON(b []byte) error {
	d, err := newDecoder(b)
	if err != nil {
		return err
	}
	*e = UnknownEvent{EventType: EventType(d.str("event_type")), Raw: bytes.Clone(b)}
	e.decode(d)
	return nil
}

// MarshalJSON returns Raw when it is set, and otherwise the common fields
// with event_type.
func (e UnknownEvent) MarshalJSON() ([]byte, error) {
	if len(e.Raw) > 0 {
		return e.Raw, nil
	}
	return json.Marshal(newWire(e.EventType, &e.CommonFields))
}
