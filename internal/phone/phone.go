// Package phone holds the SDK's one phone rule, shared by package embed
// (the QR widget's phone form and [embed.NormalizePhone]), package publicapi
// (sending to a phone number), the tlpartner command and the fake servers:
// numbers are accepted as people write them and sent as strict E.164.
package phone

import (
	"strconv"
	"strings"
)

// A valid number has a leading "+", a country code that does not start
// with 0, and MinDigits to MaxDigits digits in total (country code
// included). E.164 caps numbers at 15 digits and sets no lower bound; 7 is
// the SDK's choice (the shortest numbers in real use, such as Niue's, have
// 7 digits with the country code).
const (
	MinDigits = 7
	MaxDigits = 15
)

// Check reports why p is not a strict E.164 number: "+", then MinDigits to
// MaxDigits ASCII digits, the first of them not 0, and nothing else. It
// returns "" for a valid number. The reason never contains the number.
func Check(p string) string {
	if len(p) == 0 || p[0] != '+' {
		return "must start with + and the country code"
	}
	digits := p[1:]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return "only digits may follow the +"
		}
	}
	switch {
	case len(digits) == 0 || digits[0] == '0':
		return "country code must not start with 0"
	case len(digits) < MinDigits:
		return "fewer than " + strconv.Itoa(MinDigits) + " digits"
	case len(digits) > MaxDigits:
		return "more than " + strconv.Itoa(MaxDigits) + " digits"
	}
	return ""
}

// Normalize turns a number as people write it ("+1 (415) 555-0100",
// "+31 6 1234-5678", "+44 20 7946.0958") into E.164 by removing spaces,
// tabs, line breaks, no-break spaces, hyphens, dots and parentheses
// anywhere, then checks the result with [Check]. It returns the number and
// "", or "" and the reason it is not a phone number. It does not guess a
// missing country code: "0612345678" and "0031612345678" are refused. The
// reason never contains the number.
func Normalize(s string) (e164, reason string) {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '\u00a0', '-', '.', '(', ')':
			continue
		}
		b.WriteRune(r)
	}
	p := b.String()
	if reason := Check(p); reason != "" {
		return "", reason
	}
	return p, ""
}
