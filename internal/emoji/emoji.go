// Package emoji holds the SDK's one rule for "exactly one emoji", used by
// the Public API client to validate reactions and by the fake to check them.
package emoji

import "unicode/utf8"

// Emoji recognition without a Unicode segmentation dependency. IsSingle
// accepts exactly one emoji grapheme cluster of
// the forms UTS #51 defines:
//
//   - a pictographic code point, optionally followed by U+FE0F (emoji
//     presentation) and/or a skin-tone modifier (U+1F3FB–U+1F3FF);
//   - such elements joined by U+200D ZERO WIDTH JOINER (family, profession
//     and couple sequences such as 👩🏽‍💻 or 👨‍👩‍👧);
//   - a flag: two regional indicators (🇳🇱);
//   - a keycap: 0–9, # or *, optionally U+FE0F, then U+20E3 (1️⃣);
//   - a tag sequence: 🏴 followed by tag characters and U+E007F
//     (subdivision flags such as 🏴󠁧󠁢󠁳󠁣󠁴󠁿).
//
// "Pictographic" is approximated by the blocks that hold the
// Extended_Pictographic property; the server has the last word.

const (
	zwj           = '\u200d'
	vs16          = '\ufe0f'
	keycapCombine = '\u20e3'
	tagCancel     = '\U000E007F'
	blackFlag     = '\U0001F3F4'
)

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }
func isSkinTone(r rune) bool          { return r >= 0x1F3FB && r <= 0x1F3FF }
func isTag(r rune) bool               { return r >= 0xE0020 && r <= 0xE007E }

// isPictographic approximates Extended_Pictographic.
func isPictographic(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF && !isRegionalIndicator(r) && !isSkinTone(r):
		return true
	case r >= 0x2600 && r <= 0x27BF, r >= 0x2300 && r <= 0x23FF, r >= 0x2B00 && r <= 0x2BFF,
		r >= 0x2190 && r <= 0x21FF, r >= 0x25A0 && r <= 0x25FF, r >= 0x2900 && r <= 0x297F:
		return true
	}
	switch r {
	case 0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x24C2, 0x3030, 0x303D, 0x3297, 0x3299:
		return true
	}
	return false
}

// IsSingle reports whether s is exactly one emoji grapheme cluster (see
// the package comment for the forms it accepts).
func IsSingle(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	rs := []rune(s)
	// Flag: exactly two regional indicators.
	if isRegionalIndicator(rs[0]) {
		return len(rs) == 2 && isRegionalIndicator(rs[1])
	}
	// Keycap.
	if (rs[0] >= '0' && rs[0] <= '9') || rs[0] == '#' || rs[0] == '*' {
		switch len(rs) {
		case 2:
			return rs[1] == keycapCombine
		case 3:
			return rs[1] == vs16 && rs[2] == keycapCombine
		}
		return false
	}
	// Tag sequence: black flag, tags, cancel tag.
	if rs[0] == blackFlag && len(rs) > 2 && isTag(rs[1]) {
		for i := 1; i < len(rs)-1; i++ {
			if !isTag(rs[i]) {
				return false
			}
		}
		return rs[len(rs)-1] == tagCancel
	}
	// ZWJ sequence of elements.
	i := 0
	for {
		if i >= len(rs) || !isPictographic(rs[i]) {
			return false
		}
		i++
		if i < len(rs) && rs[i] == vs16 {
			i++
		}
		if i < len(rs) && isSkinTone(rs[i]) {
			i++
		}
		if i == len(rs) {
			return true
		}
		if rs[i] != zwj {
			return false
		}
		i++
	}
}
