package phone

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"+6831234", "+14155550100", "+123456789012345"} {
		if r := Check(p); r != "" {
			t.Errorf("Check(%q) = %q, want valid", p, r)
		}
	}
	for p, want := range map[string]string{
		"":                  "must start with +",
		"14155550100":       "must start with +",
		"+1 415 555 0100":   "only digits",
		"+0123456789":       "must not start with 0",
		"+":                 "must not start with 0",
		"+683123":           "fewer than 7",
		"+1234567890123456": "more than 15",
		"+١٢٣٤٥٦٧٨":         "only digits",
	} {
		r := Check(p)
		if !strings.Contains(r, want) {
			t.Errorf("Check(%q) = %q, want it to contain %q", p, r, want)
		}
		if len(p) > 2 && strings.Contains(r, p[1:]) {
			t.Errorf("Check(%q) leaks the number: %q", p, r)
		}
	}
}
