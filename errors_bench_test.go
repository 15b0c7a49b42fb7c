package tlpartner_test

import (
	"errors"
	"fmt"
	"testing"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

// BenchmarkErrorMatching measures what the declared-per-package error types
// cost at the call site: errors.Is on a wrapped *APIError, errors.As into
// the same package's type (a plain pointer assignment, the baseline) and
// into the other package's type (a copy through the engine's registry).
func BenchmarkErrorMatching(b *testing.B) {
	apiErr := &publicapi.APIError{StatusCode: 404, Code: "not_found", Operation: "GetChat", Fields: []publicapi.FieldError{{Fields: []string{"x"}, Message: "m"}}}
	err := fmt.Errorf("wrapped: %w", apiErr)
	b.Run("Is", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !errors.Is(err, tlpartner.ErrNotFound) {
				b.Fatal("no match")
			}
		}
	})
	b.Run("As/same-package", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var t *publicapi.APIError
			if !errors.As(err, &t) {
				b.Fatal("no match")
			}
		}
	})
	b.Run("As/other-package", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var t *tlpartner.APIError
			if !errors.As(err, &t) {
				b.Fatal("no match")
			}
		}
	})
}
