package emoji

import "testing"

func TestIsSingleEmoji(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"👍", "❤️", "❤", "😀", "👍🏽", "👩🏽‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇳🇱", "1️⃣", "#⃣",
		"🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "🧑🏿‍🤝‍🧑🏻", "©️", "\U0001F44D",
	} {
		if !IsSingle(s) {
			t.Errorf("IsSingle(%q) = false, want true", s)
		}
	}
	for _, s := range []string{
		"", "a", "ab", "👍👍", "👍 ", " 👍", "🇳", "🇳🇱🇧🇪", "1", "12", "👍\u200d", "\u200d👍", "🏽", "👍🏽🏽",
		"😀a", ":thumbsup:", "\xff", "1️", "🏴\U000E0067", "❤️️",
	} {
		if IsSingle(s) {
			t.Errorf("IsSingle(%q) = true, want false", s)
		}
	}
}
