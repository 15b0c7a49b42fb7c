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
// They never quote a value longer than [MaxQuoted] bytes: a server may put
// anything, a credential included, where a number or a date was expected.
// The leaves fail with a *json.UnmarshalTypeError, to which encoding/json
// adds the field's path; [Clean] turns such an error into a [*TypeError]
// that names the field and the expected type.
package flex

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
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
	return time.Time{}, &TypeError{Want: "a date-time", Got: describeString(s)}
}

// UnmarshalJSON implements [json.Unmarshaler].
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, null) {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return typeError(b, timeType)
	}
	s, err := unquote(b)
	if err != nil {
		return err
	}
	v, err := ParseTime(s)
	if err != nil {
		return typeError(b, timeType)
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
		return typeError(b, intType)
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
		return 0, false, typeError(b, intType)
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
		return typeError(b, stringType)
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

// MaxQuoted is the longest value, in bytes, that an error quotes; longer
// values are described by their JSON kind only.
const MaxQuoted = 8

var (
	timeType   = reflect.TypeFor[Time]()
	intType    = reflect.TypeFor[Int]()
	stringType = reflect.TypeFor[String]()
)

// TypeError reports a JSON value that does not have the expected type or
// form. Its message names the field and the expected type, and shows the
// value itself only when it is at most [MaxQuoted] bytes long.
type TypeError struct {
	// Field is the path of JSON keys to the value, for example
	// "data.chats.id"; empty when unknown.
	Field string
	// Want is the expected type, for example "an integer" or "a date-time".
	Want string
	// Got describes the value: its JSON kind ("a string", "a number",
	// "an object"), followed by the value when it is short.
	Got string
}

// Error returns "field <Field>: want <Want>, got <Got>".
func (e *TypeError) Error() string {
	var b strings.Builder
	if e.Field != "" {
		b.WriteString("field ")
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString("want ")
	b.WriteString(e.Want)
	if e.Got != "" {
		b.WriteString(", got ")
		b.WriteString(e.Got)
	}
	return b.String()
}

// typeError is the error of a leaf of type t that cannot hold the JSON
// value b. encoding/json fills in Struct and Field.
func typeError(b []byte, t reflect.Type) error {
	return &json.UnmarshalTypeError{Value: describe(b), Type: t}
}

// describe names the JSON kind of b, with b itself when it is short.
func describe(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	var kind string
	switch b[0] {
	case '"':
		if s, err := unquote(b); err == nil {
			return describeString(s)
		}
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		kind = "a boolean"
	case 'n':
		return "null"
	default:
		kind = "a number"
	}
	if len(b) <= MaxQuoted {
		return kind + " " + string(b)
	}
	return kind
}

// describeString is describe for a decoded JSON string.
func describeString(s string) string {
	if len(s) <= MaxQuoted {
		return "a string " + strconv.Quote(s)
	}
	return "a string of " + strconv.Itoa(len(s)) + " bytes"
}

// Clean returns err in the form the SDK shows for a decoding failure: a
// *json.UnmarshalTypeError (from encoding/json or from the leaves of this
// package) becomes a [*TypeError] naming the JSON field and the expected
// type, without the value unless it is short; a *json.SyntaxError keeps
// its message (it quotes at most one character). Other errors are returned
// as they are. The original error is not wrapped, so nothing longer than
// [MaxQuoted] bytes of the input is reachable through errors.Unwrap.
func Clean(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	out := &TypeError{Field: te.Field, Want: want(te.Type), Got: got(te.Value)}
	return out
}

// got turns UnmarshalTypeError.Value into a description: the leaves of
// this package set one already ("a string"); encoding/json sets the JSON
// kind, followed by the literal for numbers ("number 12345").
func got(v string) string {
	kind, lit, _ := strings.Cut(v, " ")
	switch kind {
	case "a", "an", "null", "nothing":
		return v
	case "string", "object", "array", "bool", "number":
	default:
		return "a value"
	}
	article := "a "
	switch kind {
	case "object", "array":
		article = "an "
	case "bool":
		kind = "boolean"
	}
	if lit != "" && len(lit) <= MaxQuoted {
		return article + kind + " " + lit
	}
	return article + kind
}

// want describes the Go type t as a JSON type.
func want(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	switch t {
	case timeType, reflect.TypeFor[time.Time]():
		return "a date-time"
	case intType:
		return "an integer"
	case stringType:
		return "a string or number"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return want(t.Elem())
	}
	return "a different type"
}
