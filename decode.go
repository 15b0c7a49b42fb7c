package tlpartner

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// Errors of these decoders are always wrapped by the caller ("tlpartner:
// <op>: decode response: ..."), so they carry no package prefix.
//
// This file holds the leaf types used to decode responses tolerantly. The
// response mirrors (the unexported *JSON structs next to each public type)
// use them so that one json.Unmarshal pass decodes a whole response; only
// the leaves run custom code. The rules:
//
//   - date-times: RFC 3339 with or without fractional seconds; a value
//     without a zone is taken as UTC; null, "" and absent give the zero
//     time.Time;
//   - integers: JSON numbers (an integral float such as 42.0 is accepted)
//     or strings holding an integer; null, "" and absent give 0; any other
//     string is an error (only whatsapp_accounts[].user_id keeps it, see
//     jsonUserID);
//   - identifier strings: JSON strings or numbers (kept as their decimal
//     text); null and absent give "";
//   - unknown fields are ignored everywhere.

var null = []byte("null")

// jsonTime is a tolerant date-time.
type jsonTime time.Time

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999", // no zone: UTC
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func (t *jsonTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, null) {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errors.New("date-time is not a JSON string")
	}
	s := string(b[1 : len(b)-1])
	if s == "" {
		return nil
	}
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			*t = jsonTime(v)
			return nil
		}
	}
	return errors.New("cannot parse date-time " + strconv.Quote(s))
}

func (t jsonTime) time() time.Time { return time.Time(t) }

// jsonInt is a tolerant integer.
type jsonInt int64

func (n *jsonInt) UnmarshalJSON(b []byte) error {
	v, ok, err := parseFlexInt(b)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("cannot decode " + strconv.Quote(string(b)) + " as an integer")
	}
	*n = jsonInt(v)
	return nil
}

// parseFlexInt decodes a JSON number or string as an int64. For a string
// that does not hold an integer it returns ok=false and no error, so callers
// can keep the raw text.
func parseFlexInt(b []byte) (v int64, ok bool, err error) {
	if len(b) == 0 || bytes.Equal(b, null) {
		return 0, true, nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, false, err
		}
		if s == "" {
			return 0, true, nil
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, false, nil
		}
		return v, true, nil
	}
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		return v, true, nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f != float64(int64(f)) {
		return 0, false, errors.New("cannot decode " + strconv.Quote(string(b)) + " as an integer")
	}
	return int64(f), true, nil
}

// jsonString is a tolerant identifier string.
type jsonString string

func (s *jsonString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, null) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jsonString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("cannot decode " + strconv.Quote(string(b)) + " as a string")
	}
	*s = jsonString(n.String())
	return nil
}

// jsonUserID is whatsapp_accounts[].user_id: declared integer, but the docs'
// example is the string "wa_abcdef123456". Numeric values (numbers or
// numeric strings) land in id; anything else is kept verbatim in raw.
type jsonUserID struct {
	id  int64
	raw string
}

func (u *jsonUserID) UnmarshalJSON(b []byte) error {
	v, ok, err := parseFlexInt(b)
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
