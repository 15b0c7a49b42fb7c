// Package phone holds the SDK's one E.164 rule, shared by package embed
// (the QR widget's phone form), package publicapi (sending to a phone
// number) and the fake servers.
package phone

import "strconv"

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
