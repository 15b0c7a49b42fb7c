// Package jsonobj reads the top-level members of a JSON object without
// decoding it: one pass, no map, no allocation beyond the slice it
// appends to. The webhook parsers use it to find event_type and the flat
// fields of a payload in place of a first json.Unmarshal.
package jsonobj

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Member is one top-level member: the key as written between its quotes
// (escapes not decoded; see [Member.Is]) and the raw value.
type Member struct {
	Key   []byte
	Value []byte
}

// Is reports whether the member's key is name. A key written with escapes
// or holding invalid UTF-8 is decoded first, as encoding/json does.
func (m Member) Is(name string) bool {
	if bytes.IndexByte(m.Key, '\\') < 0 && utf8.Valid(m.Key) {
		return string(m.Key) == name
	}
	var k string
	q := make([]byte, 0, len(m.Key)+2)
	q = append(append(append(q, '"'), m.Key...), '"')
	return json.Unmarshal(q, &k) == nil && k == name
}

// Append appends the top-level members of the object b to dst. b must be
// valid JSON (check with json.Valid, or let a later json.Unmarshal of the
// same bytes report the error): the scan trusts the syntax and reports
// only what stops it (ok false) when b is not an object or ends early.
func Append(dst []Member, b []byte) (members []Member, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return dst, false
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return dst, false
		}
		if b[i] == '}' {
			return dst, true
		}
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		if i >= len(b) || b[i] != '"' {
			return dst, false
		}
		end := stringEnd(b, i)
		if end < 0 {
			return dst, false
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return dst, false
		}
		i = skipSpace(b, i+1)
		vend := valueEnd(b, i)
		if vend <= i { // no value (or an unterminated one)
			return dst, false
		}
		dst = append(dst, Member{Key: key, Value: b[i:vend]})
		i = vend
	}
}

// Find returns the value of the last member named name (as encoding/json,
// the last of duplicate keys wins).
func Find(members []Member, name string) ([]byte, bool) {
	for j := len(members) - 1; j >= 0; j-- {
		if members[j].Is(name) {
			return members[j].Value, true
		}
	}
	return nil, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string that
// starts at b[i], or -1.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index after the value that starts at b[i], or -1.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end := stringEnd(b, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}
