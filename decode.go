package tlpartner

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/tlpartner/tlpartner-go/internal/flex"
)

// Errors of these decoders are always wrapped by the caller ("tlpartner:
// <op>: decode response: ..."), so they carry no package prefix.
//
// This file holds the leaf types used to decode responses tolerantly. The
// response mirrors (the unexported *JSON structs next to each public type)
// use them so that one json.Unmarshal pass decodes a whole response; only
// the leaves run custom code. The rules are those of internal/flex; only
// whatsapp_accounts[].user_id keeps a non-numeric string (see jsonUserID).
// Unknown fields are ignored everywhere.

var null = []byte("null")

// The leaf types are the shared ones of internal/flex, so that the Partner
// API, the Public API and both kinds of webhooks read a date-time or an
// integer by one rule.
type (
	jsonTime   = flex.Time
	jsonInt    = flex.Int
	jsonString = flex.String
)

// jsonUserID is whatsapp_accounts[].user_id: declared integer, but the docs'
// example is the string "wa_abcdef123456". Numeric values (numbers or
// numeric strings) land in id; anything else is kept verbatim in raw.
type jsonUserID struct {
	id  int64
	raw string
}

func (u *jsonUserID) UnmarshalJSON(b []byte) error {
	v, ok, err := flex.ParseInt(b)
	if err != nil {
		return err
	}
	if ok {
		u.id = v
		return nil
	}
	return json.Unmarshal(b, &u.raw)
}

// errEmptyBody is returned when a typed endpoint answers 2xx without a body
// or with a JSON null, which would otherwise decode to an all-zero result.
var errEmptyBody = errors.New("empty response body")

// decodeJSON decodes the body of a successful response into v.
func decodeJSON(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || bytes.Equal(trimmed, null) {
		return errEmptyBody
	}
	return json.Unmarshal(trimmed, v)
}
