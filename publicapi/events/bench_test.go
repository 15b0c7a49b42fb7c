package events_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// BenchmarkParse measures decoding a message event with an attachment.
func BenchmarkParse(b *testing.B) {
	body := readFixture(b, "message_new.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := events.Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandler measures a full ServeHTTP (path token, decoding,
// de-duplication, callback) next to a plain net/http handler that only
// reads the body, in the same run; the ratio is reported.
func BenchmarkHandler(b *testing.B) {
	body := readFixture(b, "message_new.json")
	run := func(b *testing.B, h http.Handler) float64 {
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/events/"+goodToken, bytes.NewReader(body)))
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
		return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	}
	var plain float64
	b.Run("net-http", func(b *testing.B) {
		plain = run(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadAll(r.Body)
			w.WriteHeader(http.StatusOK)
		}))
	})
	b.Run("events", func(b *testing.B) {
		h, err := events.NewHandler(events.WithPathToken(goodToken),
			events.WithDeduplicator(webhooks.NewMemoryDeduplicator(1000)))
		if err != nil {
			b.Fatal(err)
		}
		ns := run(b, h) // every delivery after the first is a duplicate
		if plain > 0 {
			b.ReportMetric(ns/plain, "x-net/http")
		}
	})
}
