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

func TestNormalize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"+1 (415) 555-0100":    "+14155550100",
		"+31 6 1234-5678":      "+31612345678",
		"+44 20 7946.0958":     "+442079460958",
		"\u00a0+14155550100\n": "+14155550100",
		"+14155550100":         "+14155550100",
	} {
		got, reason := Normalize(in)
		if got != want || reason != "" {
			t.Errorf("Normalize(%q) = %q, %q; want %q", in, got, reason, want)
		}
	}
	for _, in := range []string{"(415) 555-0100", "0612345678", "0031612345678", "+1 415 555 0100 ext 2", "+44 (0)20 7946 0958x", "+"} {
		if got, reason := Normalize(in); got != "" || reason == "" {
			t.Errorf("Normalize(%q) = %q, %q; want a reason", in, got, reason)
		}
	}
}
