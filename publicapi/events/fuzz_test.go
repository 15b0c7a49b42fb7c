package events_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

// FuzzParse feeds arbitrary bodies to Parse. It must not panic;
// it returns either an event or an error wrapping ErrMalformedBody; an
// event's DedupKey starts with its type; a known event encodes to JSON that
// parses back to an event of the same type with the same DedupKey.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata", filepath.Join("testdata", "malformed")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"event_type":"chat:assigned","chat":{"id":"7","labels":[{"name":"a"},"b"]}}`))
	f.Add([]byte(`{"event_type":"message:reaction","reaction":{"reactions":{"👍":"2"},"timestamp":"2024-01-08T10:35:18.123+02:00"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := events.Parse(body)
		if err != nil {
			if e != nil || !errors.Is(err, events.ErrMalformedBody) {
				t.Fatalf("Parse(%q) = %v, %v", body, e, err)
			}
			return
		}
		if e == nil {
			t.Fatalf("Parse(%q) = nil, nil", body)
		}
		if !strings.HasPrefix(e.DedupKey(), string(e.Type())+"|") {
			t.Fatalf("DedupKey %q of a %s", e.DedupKey(), e.Type())
		}
		if _, unknown := e.(*events.UnknownEvent); unknown {
			return
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", e, err)
		}
		back, err := events.Parse(b)
		if err != nil {
			t.Fatalf("%q encoded to %q, which does not parse: %v", body, b, err)
		}
		if back.Type() != e.Type() || back.DedupKey() != e.DedupKey() {
			t.Fatalf("%q encoded to %q, which parses to %s %s, want %s %s", body, b, back.Type(), back.DedupKey(), e.Type(), e.DedupKey())
		}
	})
}
