// Package flex holds the tolerant JSON leaf types shared by every decoder
// in the SDK (Partner API, Public API, both kinds of webhooks), so that one
// rule decides how a date-time or an integer identifier is read:
//
//   - date-times: RFC 3339 with or without fractional seconds, the Public
//     API's "2006-01-02 15:04:05 -0700" form, the same with a colon in the
//     offset or with "T" instead of the space, a value without a zone
//     (taken as UTC), and a bare date; null, "" and absent give the zero
//     time.Time;
//   - integers: JSON numbers (an integral float such as 42.0 is accepted)
//     or strings holding an integer; null, "" and absent give 0; any other
//     string is an error;
//   - identifier strings: JSON strings or numbers (kept as their decimal
//     text); null and absent give "".
//
// Errors carry no package prefix; callers wrap them with the operation.
package flex

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"
)

var null = []byte("null")

// Time is a tolerant date-time. Convert with time.Time(t) or [Time.Time].
type Time time.Time

// layouts are tried in order; the first that parses wins. spaceLayouts
// holds the same layouts with the space-separated ones first: they are
// tried for values with a space after the date, so that the Public API's
// form parses at the first attempt (a failed time.Parse allocates).
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999 -0700", // Public API: "2023-06-18 15:19:23 +0300"
	"2006-01-02 15:04:05.999999999 Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-0700",
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02T15:04:05.999999999 -0700",
	"2006-01-02T15:04:05.999999999", // no zone: UTC
	"2006-01-02 15:04:05.999999999", // no zone: UTC
	"2006-01-02",
}

var spaceLayouts = append(append([]string(nil), layouts[1:]...), layouts[0])

// ParseTime parses s with the tolerant rules of [Time]. "" gives the zero
// time and no error.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	try := layouts
	if len(s) > 10 && s[10] == ' ' {
		try = spaceLayouts
	}
	for _, layout := range try {
		if v, err := time.Parse(layout, s); err == nil {
			return v, nil
		}
	}
	return time.Time{}, errors.New("cannot parse date-time " + strconv.Quote(s))
}

// UnmarshalJSON implements [json.Unmarshaler].
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, null) {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errors.New("date-time is not a JSON string")
	}
	s, err := unquote(b)
	if err != nil {
		return err
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = Time(v)
	return nil
}

// Time returns t as a time.Time.
func (t Time) Time() time.Time { return time.Time(t) }

// Int is a tolerant integer.
type Int int64

// UnmarshalJSON implements [json.Unmarshaler].
func (n *Int) UnmarshalJSON(b []byte) error {
	v, ok, err := ParseInt(b)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("cannot decode " + strconv.Quote(string(b)) + " as an integer")
	}
	*n = Int(v)
	return nil
}

// ParseInt decodes a JSON number or string as an int64. For a string that
// does not hold an integer it returns ok=false and no error, so callers can
// keep the raw text.
func ParseInt(b []byte) (v int64, ok bool, err error) {
	if len(b) == 0 || bytes.Equal(b, null) {
		return 0, true, nil
	}
	if b[0] == '"' {
		s, err := unquote(b)
		if err != nil {
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

// String is a tolerant identifier string.
type String string

// UnmarshalJSON implements [json.Unmarshaler].
func (s *String) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, null) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		v, err := unquote(b)
		if err != nil {
			return err
		}
		*s = String(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("cannot decode " + strconv.Quote(string(b)) + " as a string")
	}
	*s = String(n.String())
	return nil
}

// unquote decodes the JSON string literal b. Literals without escapes and
// with valid UTF-8 (nearly all) are converted directly; the rest go
// through encoding/json, which also replaces invalid UTF-8.
func unquote(b []byte) (string, error) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		inner := b[1 : len(b)-1]
		if bytes.IndexByte(inner, '\\') < 0 && bytes.IndexByte(inner, '"') < 0 && utf8.Valid(inner) {
			return string(inner), nil
		}
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}
