package embed

import (
	"errors"
	"fmt"

	phonerule "github.com/tlpartner/tlpartner-go/internal/phone"
)

// Phone numbers sent with TIMELINES_START_PHONE_LINKING must be in E.164
// form: a leading "+", a country code that does not start with 0, and
// MinPhoneDigits to MaxPhoneDigits digits in total (country code included).
//
// E.164 caps numbers at 15 digits and sets no lower bound. The lower bound of
// 7 is this package's choice: the shortest numbers in real use (small Pacific
// numbering plans such as Niue, +683 and four digits) have 7 digits with the
// country code, and anything shorter cannot be a phone number. The server
// validates the number again and answers a bad one with TIMELINES_ERROR.
// [tlpartnertest] and package publicapi apply the same rule (one
// implementation, in an internal package).
const (
	MinPhoneDigits = phonerule.MinDigits
	MaxPhoneDigits = phonerule.MaxDigits
)

// ErrInvalidPhone is returned, wrapped, by [ValidatePhone] and
// [NormalizePhone]. The error text never contains the number itself.
var ErrInvalidPhone = errors.New("embed: invalid phone number")

// ValidatePhone reports whether phone is a strict E.164 number: "+", then
// MinPhoneDigits to MaxPhoneDigits ASCII digits, the first of them not 0, and
// nothing else (no spaces or separators; see [NormalizePhone] for user
// input). The widget's phone form applies the same rule in JavaScript.
// Errors wrap [ErrInvalidPhone].
func ValidatePhone(phone string) error {
	if reason := phonerule.Check(phone); reason != "" {
		return fmt.Errorf("%w: %s", ErrInvalidPhone, reason)
	}
	return nil
}

// NormalizePhone turns a number as a user might type it ("+31 6 1234-5678",
// "+1 (415) 555.0100") into E.164 by removing spaces, tabs, line breaks,
// no-break spaces, hyphens, dots and parentheses anywhere, then validates
// the result with [ValidatePhone]. It does not guess a missing country code:
// "0612345678" and "0031612345678" are rejected. The widget's phone form
// normalizes with exactly the same rule.
func NormalizePhone(s string) (string, error) {
	p, reason := phonerule.Normalize(s)
	if reason != "" {
		return "", fmt.Errorf("%w: %s", ErrInvalidPhone, reason)
	}
	return p, nil
}

// ErrInvalidPairingCode is returned, wrapped, by [FormatPairingCode].
var ErrInvalidPairingCode = errors.New("embed: invalid pairing code")

// FormatPairingCode formats an 8-digit pairing code for display:
// "12345678" becomes "1234-5678". Anything other than exactly 8 ASCII digits
// is an error wrapping [ErrInvalidPairingCode].
//
// The widget is slightly more lenient: it also formats 8 ASCII letters and
// digits the same way, because WhatsApp's own pairing codes are alphanumeric
// and the contract's "8 digits" may not hold forever.
func FormatPairingCode(code string) (string, error) {
	if len(code) != 8 {
		return "", fmt.Errorf("%w: want 8 digits", ErrInvalidPairingCode)
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", fmt.Errorf("%w: want 8 digits", ErrInvalidPairingCode)
		}
	}
	return code[:4] + "-" + code[4:], nil
}
