package webhooks_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tlpartner/tlpartner-go/webhooks"
)

// BenchmarkConstructEvent measures verify+parse of a documented delivery:
// "func" is the package-level ConstructEvent (builds a Verifier per call),
// "Verifier" reuses one Verifier.
func BenchmarkConstructEvent(b *testing.B) {
	h, err := testSigner.Header()
	if err != nil {
		b.Fatal(err)
	}
	body := readFixture(b, "whatsapp_account_disconnected.json")
	b.Run("func", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := webhooks.ConstructEvent(h, body, testPartner, testSecret, webhooks.WithClock(testClock)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Verifier", func(b *testing.B) {
		v, err := webhooks.NewVerifier(testPartner, testSecret, webhooks.WithClock(testClock))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.ConstructEvent(h, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParse measures decoding alone.
func BenchmarkParse(b *testing.B) {
	body := readFixture(b, "quota_full_messaging.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := webhooks.Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandler measures a full ServeHTTP of a genuine delivery.
func BenchmarkHandler(b *testing.B) {
	h, err := webhooks.NewHandler(testPartner, testSecret, webhooks.WithClock(testClock))
	if err != nil {
		b.Fatal(err)
	}
	hdr, err := testSigner.Header()
	if err != nil {
		b.Fatal(err)
	}
	body := readFixture(b, "seats_full.json")
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(body))
		req.Header = hdr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
