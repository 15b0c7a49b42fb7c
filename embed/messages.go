package embed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Origin is the origin of the embedded TimelinesAI QR page. Parent pages use
// it as targetOrigin when they post to the iframe and compare event.origin
// with it, exactly, before trusting a message from the iframe.
const Origin = "https://app.timelines.ai"

// DisplayModeParam and DisplayModeEmbedding are the query parameter and value
// that switch the QR page to its iframe styling. Without them the page runs
// in standalone mode, which logs the user out of the host session.
// [tlpartner.EmbedURL] adds them to a qr_link.
const (
	DisplayModeParam     = "display_mode"
	DisplayModeEmbedding = "embedding"
)

// QRDataURLPrefix is the prefix of every TIMELINES_QR_CODE_DATA payload: the
// QR code is a base64-encoded SVG document in a data URL.
const QRDataURLPrefix = "data:image/svg+xml;base64,"

// MessageType is the value of the "type" field every postMessage message
// carries.
type MessageType string

// The six message types of the postMessage contract.
const (
	// TypeStartQR (parent → iframe) starts QR generation, like clicking
	// "Generate QR Code" in the default UI.
	TypeStartQR MessageType = "TIMELINES_START_QR"
	// TypeStartPhoneLinking (parent → iframe) requests a pairing code for
	// the phone number in its phone field.
	TypeStartPhoneLinking MessageType = "TIMELINES_START_PHONE_LINKING"
	// TypeQRCodeData (iframe → parent) carries a new QR code; it fires on
	// every rotation, only after TypeStartQR.
	TypeQRCodeData MessageType = "TIMELINES_QR_CODE_DATA"
	// TypePairingCode (iframe → parent) carries the 8-digit pairing code,
	// only after TypeStartPhoneLinking.
	TypePairingCode MessageType = "TIMELINES_PAIRING_CODE"
	// TypeQRConnected (iframe → parent) reports a successful connection by
	// QR or pairing code. It carries no fields and is sent to every
	// registered origin of the partner.
	TypeQRConnected MessageType = "TIMELINES_QR_CONNECTED"
	// TypeError (iframe → parent) reports a failed flow; see [FlowError].
	TypeError MessageType = "TIMELINES_ERROR"
)

// Known reports whether t is one of the six documented message types.
func (t MessageType) Known() bool {
	switch t {
	case TypeStartQR, TypeStartPhoneLinking, TypeQRCodeData, TypePairingCode, TypeQRConnected, TypeError:
		return true
	}
	return false
}

// Inbound reports whether t is sent by the parent page to the iframe
// (TypeStartQR, TypeStartPhoneLinking). The other known types are outbound.
func (t MessageType) Inbound() bool {
	return t == TypeStartQR || t == TypeStartPhoneLinking
}

// Message is one postMessage message. The concrete types are [StartQR],
// [StartPhoneLinking], [QRCodeData], [PairingCode], [QRConnected],
// [FlowError] and, for types this package does not know, [Unknown]. Each
// marshals to JSON with its "type" field set.
type Message interface {
	// Type returns the message's "type" field.
	Type() MessageType
}

// StartQR is the TIMELINES_START_QR message. It has no fields.
type StartQR struct{}

// StartPhoneLinking is the TIMELINES_START_PHONE_LINKING message.
type StartPhoneLinking struct {
	// Phone is the number in international format with a leading "+" and
	// the country code, e.g. "+31612345678". Check it with [ValidatePhone]
	// (or [NormalizePhone]) before sending.
	Phone string `json:"phone"`
}

// QRCodeData is the TIMELINES_QR_CODE_DATA message.
type QRCodeData struct {
	// Data is a "data:image/svg+xml;base64,..." URL, ready to put in an
	// <img src>. Check it with [QRCodeData.Validate] before rendering it.
	Data string `json:"data"`
}

// PairingCode is the TIMELINES_PAIRING_CODE message.
type PairingCode struct {
	// Code is the 8-digit pairing code without a separator. Show it with
	// [FormatPairingCode].
	Code string `json:"code"`
}

// QRConnected is the TIMELINES_QR_CONNECTED message. It has no fields: it
// does not say which account or phone number connected.
type QRConnected struct{}

// FlowError is the TIMELINES_ERROR message.
type FlowError struct {
	// Code is the message's "error" field. It is documented as always ""
	// today (reserved for a future machine-readable code); do not branch
	// on it.
	Code string `json:"error"`
	// Message is a human-readable description meant to be shown to the
	// user as plain text, e.g. "QR Code mismatch. Please generate a new one.".
	Message string `json:"message"`
}

// Unknown is a message whose type this package does not know. DecodeMessage
// returns it instead of failing so that logs and tests survive additions to
// the contract.
type Unknown struct {
	// MessageType is the message's "type" field.
	MessageType MessageType
	// Raw is the whole message as received.
	Raw json.RawMessage
}

// Type implements [Message].
func (StartQR) Type() MessageType { return TypeStartQR }

// Type implements [Message].
func (StartPhoneLinking) Type() MessageType { return TypeStartPhoneLinking }

// Type implements [Message].
func (QRCodeData) Type() MessageType { return TypeQRCodeData }

// Type implements [Message].
func (PairingCode) Type() MessageType { return TypePairingCode }

// Type implements [Message].
func (QRConnected) Type() MessageType { return TypeQRConnected }

// Type implements [Message].
func (FlowError) Type() MessageType { return TypeError }

// Type implements [Message].
func (u Unknown) Type() MessageType { return u.MessageType }

// MarshalJSON encodes {"type":"TIMELINES_START_QR"}.
func (m StartQR) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type MessageType `json:"type"`
	}{m.Type()})
}

// MarshalJSON encodes {"type":"TIMELINES_START_PHONE_LINKING","phone":...}.
func (m StartPhoneLinking) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type  MessageType `json:"type"`
		Phone string      `json:"phone"`
	}{m.Type(), m.Phone})
}

// MarshalJSON encodes {"type":"TIMELINES_QR_CODE_DATA","data":...}.
func (m QRCodeData) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type MessageType `json:"type"`
		Data string      `json:"data"`
	}{m.Type(), m.Data})
}

// MarshalJSON encodes {"type":"TIMELINES_PAIRING_CODE","code":...}.
func (m PairingCode) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type MessageType `json:"type"`
		Code string      `json:"code"`
	}{m.Type(), m.Code})
}

// MarshalJSON encodes {"type":"TIMELINES_QR_CONNECTED"}.
func (m QRConnected) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type MessageType `json:"type"`
	}{m.Type()})
}

// MarshalJSON encodes {"type":"TIMELINES_ERROR","error":...,"message":...}.
// Both payload fields are always present, as in the contract.
func (m FlowError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type    MessageType `json:"type"`
		Code    string      `json:"error"`
		Message string      `json:"message"`
	}{m.Type(), m.Code, m.Message})
}

// MarshalJSON returns Raw unchanged, or {"type":...} when Raw is empty.
func (u Unknown) MarshalJSON() ([]byte, error) {
	if len(u.Raw) > 0 {
		return u.Raw, nil
	}
	return json.Marshal(struct {
		Type MessageType `json:"type"`
	}{u.MessageType})
}

// ErrInvalidMessage is returned, wrapped, by [DecodeMessage] for input that
// is not a contract message: not a JSON object, no string "type" field, or a
// payload field of the wrong JSON type.
var ErrInvalidMessage = errors.New("embed: invalid message")

// DecodeMessage decodes one postMessage message (the JSON form of
// event.data), e.g. for server-side logging of client reports or in tests.
//
// It is tolerant: unknown fields are ignored, missing payload fields decode
// as "", and a message with an unknown type decodes as [Unknown] without an
// error. It does not validate payload contents; use [QRCodeData.Validate],
// [FormatPairingCode] and [ValidatePhone] for that. Errors wrap
// [ErrInvalidMessage].
func DecodeMessage(data []byte) (Message, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidMessage)
	}
	var head struct {
		Type *json.RawMessage `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMessage, err)
	}
	if head.Type == nil {
		return nil, fmt.Errorf("%w: missing type", ErrInvalidMessage)
	}
	var typ MessageType
	if err := json.Unmarshal(*head.Type, &typ); err != nil {
		return nil, fmt.Errorf("%w: type is not a string", ErrInvalidMessage)
	}
	var (
		msg Message
		err error
	)
	switch typ {
	case TypeStartQR:
		msg = StartQR{}
	case TypeQRConnected:
		msg = QRConnected{}
	case TypeStartPhoneLinking:
		var m StartPhoneLinking
		err = json.Unmarshal(data, &m)
		msg = m
	case TypeQRCodeData:
		var m QRCodeData
		err = json.Unmarshal(data, &m)
		msg = m
	case TypePairingCode:
		var m PairingCode
		err = json.Unmarshal(data, &m)
		msg = m
	case TypeError:
		var m FlowError
		err = json.Unmarshal(data, &m)
		msg = m
	default:
		return Unknown{MessageType: typ, Raw: append(json.RawMessage(nil), data...)}, nil
	}
	if err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return nil, fmt.Errorf("%w: %s: field %q is not a %s", ErrInvalidMessage, typ, ute.Field, ute.Type)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidMessage, typ, err)
	}
	return msg, nil
}

// maxQRDataLen bounds the size of a QR data URL the package accepts. Real QR
// SVGs are a few kilobytes; the bound keeps a hostile frame from making the
// page hold megabytes.
const maxQRDataLen = 1 << 20

// ErrInvalidQRData is returned, wrapped, by [QRCodeData.Validate].
var ErrInvalidQRData = errors.New("embed: invalid QR code data")

// Validate reports whether m.Data is what the contract promises: a
// "data:image/svg+xml;base64," URL followed by non-empty standard base64, at
// most 1 MiB in total. The widget applies the same rule before it shows a
// QR code and ignores data that fails it. Errors wrap [ErrInvalidQRData].
func (m QRCodeData) Validate() error {
	if !strings.HasPrefix(m.Data, QRDataURLPrefix) {
		return fmt.Errorf("%w: not a %q URL", ErrInvalidQRData, QRDataURLPrefix)
	}
	if len(m.Data) > maxQRDataLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidQRData, maxQRDataLen)
	}
	payload := m.Data[len(QRDataURLPrefix):]
	if !isBase64(payload) {
		return fmt.Errorf("%w: payload is not base64", ErrInvalidQRData)
	}
	return nil
}

// isBase64 reports whether s is non-empty standard base64 (alphabet
// A-Z a-z 0-9 + /, at most two trailing '=' pads). It is the same check as
// the widget's JavaScript; it does not insist on a length multiple of four.
func isBase64(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" || len(s)-len(body) > 2 {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}
