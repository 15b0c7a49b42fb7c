package embed

import (
	"encoding/json"
	"errors"
	"regexp"
	"testing"
)

func FuzzDecodeMessage(f *testing.F) {
	for _, seed := range []string{
		`{"type":"TIMELINES_START_QR"}`,
		`{"type":"TIMELINES_START_PHONE_LINKING","phone":"+31612345678"}`,
		`{"type":"TIMELINES_QR_CODE_DATA","data":"data:image/svg+xml;base64,PHN2Zy8+"}`,
		`{"type":"TIMELINES_PAIRING_CODE","code":"12345678"}`,
		`{"type":"TIMELINES_QR_CONNECTED"}`,
		`{"type":"TIMELINES_ERROR","error":"","message":"m"}`,
		`{"type":"X","y":[1,{"z":null}]}`,
		`{"type":1}`, `[]`, ``, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := DecodeMessage(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidMessage) || msg != nil {
				t.Fatalf("error %v (msg %#v) does not wrap ErrInvalidMessage", err, msg)
			}
			return
		}
		// Whatever decodes re-encodes to a message of the same type and
		// the same payload.
		out, err := json.Marshal(msg)
		if err != nil {
			t.Fatalf("marshal %#v: %v", msg, err)
		}
		back, err := DecodeMessage(out)
		if err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		if back.Type() != msg.Type() {
			t.Fatalf("type %q became %q", msg.Type(), back.Type())
		}
		if _, unknown := msg.(Unknown); !unknown && back != msg {
			t.Fatalf("round trip %#v -> %s -> %#v", msg, out, back)
		}
	})
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func FuzzNormalizePhone(f *testing.F) {
	for _, seed := range []string{"+31612345678", "+1 (415) 555-0100", "0612345678", "+0612345678", "+３１612345678", " +44.20.7946.0958\n", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := NormalizePhone(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidPhone) || p != "" {
				t.Fatalf("NormalizePhone(%q) = %q, %v", s, p, err)
			}
			return
		}
		if !e164.MatchString(p) || ValidatePhone(p) != nil {
			t.Fatalf("NormalizePhone(%q) = %q, not E.164", s, p)
		}
		if again, err := NormalizePhone(p); err != nil || again != p {
			t.Fatalf("NormalizePhone not idempotent on %q: %q, %v", p, again, err)
		}
		// ValidatePhone and the regular expression agree.
		if (ValidatePhone(s) == nil) != e164.MatchString(s) {
			t.Fatalf("ValidatePhone(%q) disagrees with %s", s, e164)
		}
	})
}
