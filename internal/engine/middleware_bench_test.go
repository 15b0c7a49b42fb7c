package engine

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// cannedRT answers every request with 200 and body.
type cannedRT struct{ body string }

func (c cannedRT) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(c.body)), Request: r, ContentLength: int64(len(c.body))}, nil
}

// nopObserver does nothing.
type nopObserver struct{}

func (nopObserver) StartOperation(ctx context.Context, op tlhttp.Operation) (context.Context, func(tlhttp.ResponseMeta, error)) {
	return ctx, func(tlhttp.ResponseMeta, error) {}
}

// BenchmarkSendMiddleware measures what an observer and a pass-through
// middleware add to Send over a canned transport (allocations are the
// stable figure; times need a quiet machine).
func BenchmarkSendMiddleware(b *testing.B) {
	body := strings.Repeat(`{"a":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},`, 40)
	pass := func(req *http.Request, next tlhttp.Next) (*http.Response, error) { return next(req) }
	for _, tc := range []struct {
		name string
		s    Settings
	}{
		{"none", Settings{}},
		{"observer", Settings{Observer: nopObserver{}}},
		{"middleware", Settings{Middleware: []tlhttp.Middleware{pass}}},
		{"both", Settings{Observer: nopObserver{}, Middleware: []tlhttp.Middleware{pass}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tok := strings.Repeat("eyJhbGciOiJIUzI1NiJ9", 8)
			tc.s.HTTPClient = &http.Client{Transport: cannedRT{body}}
			e := New(Config{Settings: tc.s, Authorize: func(r *http.Request) (string, error) {
				r.Header.Set("Authorization", "Bearer "+tok)
				return tok, nil
			}})
			req, _ := http.NewRequest(http.MethodGet, "https://api.test/v1/w", nil)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := e.Send(ctx, Op{Name: "GetWorkspace"}, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
